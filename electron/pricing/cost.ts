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

/** The token counts of one sampling call, or of a whole request. */
export interface TokenCounts {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  /** The 5 m / 1 h split of cache_creation_input_tokens, when the API gives it. */
  cache_creation_5m_input_tokens?: number;
  cache_creation_1h_input_tokens?: number;
}

/** Token counts as the Anthropic API reports them (`usage` of a message, or the sum seen on a stream). */
export interface TokenUsage extends TokenCounts {
  web_search_requests?: number;
  /** Web fetches carry no fee of their own (their content is billed as input tokens); counted for the log. */
  web_fetch_requests?: number;
  /**
   * The sampling steps behind the top-level figures, when the API reports them (compaction, advisor).
   * The top-level usage then covers only the `message` steps; the bill is every step at its own model.
   */
  iterations?: IterationUsage[];
}

export interface IterationUsage extends TokenCounts {
  type: string;
  /** The model this step ran on; absent means the response's model. */
  model?: string;
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

type PromptUsage = Pick<TokenUsage, 'input_tokens' | 'cache_read_input_tokens' | 'cache_creation_input_tokens'>;

export function promptTokens(usage: PromptUsage): number {
  return usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
}

export function ratesFor(version: PriceVersion, usage: PromptUsage): Rates {
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

type CacheWrites = Pick<
  TokenUsage,
  'cache_creation_input_tokens' | 'cache_creation_5m_input_tokens' | 'cache_creation_1h_input_tokens'
>;

/**
 * Splits cache writes by TTL. 5 minutes is the API's default, so writes the split does not cover (no split
 * at all, or a final total that grew past the split message_start gave) are 5-minute writes, never free.
 */
export function cacheWriteSplit(usage: CacheWrites): { fiveMinute: number; oneHour: number } {
  const oneHour = Math.min(usage.cache_creation_1h_input_tokens ?? 0, usage.cache_creation_input_tokens);
  return { fiveMinute: usage.cache_creation_input_tokens - oneHour, oneHour };
}

/**
 * The token cost of one sampling step in micro-dollars times a million: exact, so that several steps
 * can be added before the one rounding.
 */
export function tokenCostUnits(version: PriceVersion, usage: TokenUsage | IterationUsage): number {
  const rates = ratesFor(version, usage);
  const writes = cacheWriteSplit(usage);
  return (
    usage.input_tokens * rates.input +
    usage.output_tokens * rates.output +
    writes.fiveMinute * rates.cache_write_5m +
    writes.oneHour * rates.cache_write_1h +
    usage.cache_read_input_tokens * rates.cache_read
  );
}

export const unitsToMicros = (units: number): number => Math.round(units / TOKENS_PER_RATE_UNIT);

/** Server-side tool fees of a request: web search per search; web fetch has no fee of its own. */
export function serverToolMicros(usage: TokenUsage): number {
  return (usage.web_search_requests ?? 0) * WEB_SEARCH_MICROS_PER_REQUEST;
}

/** The cost of a request's top-level usage at one price (ignores iterations: see pricing/bill.ts). */
export function costMicros(version: PriceVersion, usage: TokenUsage): number {
  return unitsToMicros(tokenCostUnits(version, usage)) + serverToolMicros(usage);
}
