// Pure cost arithmetic: token usage × a price version → integer micro-dollars. No I/O, no clock.
// Rates are micro-dollars per million tokens, so every product below is an exact integer well inside
// 2^53 and the single division at the end is the only rounding.

export interface Rates {
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
}

/** Applies to every token of a request whose prompt (input + cache reads + cache writes) exceeds the threshold. */
export interface Band extends Rates {
  above_prompt_tokens: number;
}

export interface PriceVersion {
  id: number;
  model: string;
  source: 'builtin' | 'override';
  effective_from: number;
  rates: Rates;
  bands: Band[];
  note: string | null;
  retired_at: number | null;
}

/** Token counts as the Anthropic API reports them (`usage` of a message, or the sum seen on a stream). */
export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** The 5 m / 1 h split of cache_creation_input_tokens, when the API gives it. */
  cache_creation_5m_input_tokens?: number;
  cache_creation_1h_input_tokens?: number;
  web_search_requests?: number;
}

export const emptyUsage = (): TokenUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
});

/** Anthropic's server-side web search: $10 per 1,000 searches. */
export const WEB_SEARCH_MICROS_PER_REQUEST = 10_000;

export const MICROS_PER_USD = 1_000_000;
const TOKENS_PER_RATE_UNIT = 1_000_000;

export const usdToMicros = (usd: number): number => Math.round(usd * MICROS_PER_USD);
export const microsToUsd = (micros: number): number => micros / MICROS_PER_USD;

export function promptTokens(usage: TokenUsage): number {
  return usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
}

export function ratesFor(version: PriceVersion, usage: TokenUsage): Rates {
  const prompt = promptTokens(usage);
  let chosen: Rates = version.rates;
  let threshold = -1;
  for (const band of version.bands) {
    if (prompt > band.above_prompt_tokens && band.above_prompt_tokens > threshold) {
      chosen = band;
      threshold = band.above_prompt_tokens;
    }
  }
  return chosen;
}

/** Splits cache writes by TTL; without a split from the API, all of them are charged as 5-minute writes. */
export function cacheWriteSplit(usage: TokenUsage): { fiveMinute: number; oneHour: number } {
  const fiveMinute = usage.cache_creation_5m_input_tokens;
  const oneHour = usage.cache_creation_1h_input_tokens;
  if (fiveMinute === undefined && oneHour === undefined) {
    return { fiveMinute: usage.cache_creation_input_tokens, oneHour: 0 };
  }
  return { fiveMinute: fiveMinute ?? 0, oneHour: oneHour ?? 0 };
}

export function costMicros(version: PriceVersion, usage: TokenUsage): number {
  const rates = ratesFor(version, usage);
  const writes = cacheWriteSplit(usage);
  const tokenCost =
    usage.input_tokens * rates.input +
    usage.output_tokens * rates.output +
    writes.fiveMinute * rates.cache_write_5m +
    writes.oneHour * rates.cache_write_1h +
    usage.cache_read_input_tokens * rates.cache_read;
  const searches = (usage.web_search_requests ?? 0) * WEB_SEARCH_MICROS_PER_REQUEST;
  return Math.round(tokenCost / TOKENS_PER_RATE_UNIT) + searches;
}
