// Budget reservations: what a request could cost at most before it runs, and whether a budget admits it
// given what is already spent and what in-flight requests hold. Reserving the worst case and settling to
// the actual cost afterwards is what keeps concurrent requests from overshooting a budget together.
import { emptyUsage, ratesFor, type PriceVersion } from '../pricing/cost.js';

/** Assumed when a request gives no max_tokens. */
export const DEFAULT_MAX_TOKENS_ESTIMATE = 32_000;

/** Real prompts run near 4 bytes of JSON per token; 3 overestimates the prompt, which is the safe side. */
const BODY_BYTES_PER_TOKEN = 3;
const TOKENS_PER_RATE_UNIT = 1_000_000;

/** The prompt size a request body suggests, in tokens, rounded up. */
export function estimatePromptTokens(bodyBytes: number): number {
  return Math.ceil(Math.max(0, bodyBytes) / BODY_BYTES_PER_TOKEN);
}

/** What one server-tool step adds to the conversation it re-reads: recorded searches added about 7k tokens each. */
export const SERVER_STEP_GROWTH_TOKENS = 10_000;

/**
 * Worst-case cost in micro-dollars of a request before it runs. Every estimated prompt token is priced at
 * the dearer of the input and 1-hour cache-write rates (the client may ask for either), plus max_tokens
 * at the output rate, all in the price band the estimated prompt falls in. When the request declares
 * server tools (or MCP servers, or compaction) the API loops on its side, each step re-reading the
 * conversation grown by the step before, so `steps` steps add (steps − 1) re-reads of the body plus the
 * growth, at the input rate. Rounded up. Server-side tool fees (web search) are left to settlement.
 */
export function worstCaseMicros(
  version: PriceVersion,
  bodyBytes: number,
  maxTokens: number | undefined,
  serverLoop: { steps: number } | null = null,
): number {
  const promptTokens = estimatePromptTokens(bodyBytes);
  const outputTokens =
    maxTokens !== undefined && Number.isFinite(maxTokens) && maxTokens >= 0
      ? Math.ceil(maxTokens)
      : DEFAULT_MAX_TOKENS_ESTIMATE;
  const steps = Math.max(1, serverLoop?.steps ?? 1);
  const loopTokens = (steps - 1) * promptTokens + (SERVER_STEP_GROWTH_TOKENS * steps * (steps + 1)) / 2;
  const rates = ratesFor(version, { ...emptyUsage(), input_tokens: promptTokens });
  const loopRates = serverLoop
    ? ratesFor(version, { ...emptyUsage(), input_tokens: promptTokens + steps * SERVER_STEP_GROWTH_TOKENS })
    : rates;
  const perMillion =
    promptTokens * Math.max(rates.input, rates.cache_write_1h) +
    outputTokens * rates.output +
    (serverLoop ? loopTokens * loopRates.input : 0);
  return Math.ceil(perMillion / TOKENS_PER_RATE_UNIT);
}

export type BudgetVerdict =
  | { admit: true }
  /** Spent has reached the limit plus grants: nothing can run until the period resets. */
  | { admit: false; kind: 'exhausted' }
  /** Room exists but in-flight requests' reservations hold it: retry shortly. */
  | { admit: false; kind: 'busy' };

export interface BudgetAdmission {
  limitMicros: number;
  /** Temporary increases granted for this period. */
  grantsMicros: number;
  /** Settled this period. */
  spentMicros: number;
  /** Worst cases of the requests in flight against this budget. */
  reservedMicros: number;
  /** Worst case of the request asking to run. */
  worstCaseMicros: number;
  /** Requests in flight against this budget. */
  inFlight: number;
  /**
   * How many times their holds requests running side by side must fit in what is left (1 when unset).
   * Near a limit requests then run one at a time, so an estimate that proves too low overshoots the
   * limit by that one request, not by every request running beside it.
   */
  concurrencyMargin?: number;
}

/**
 * Admits a request when its worst case fits beside what is spent and reserved. When nothing else is in
 * flight it is admitted anyway, even if its worst case exceeds what is left: Claude Code asks for up to
 * 128k output tokens, so insisting on the worst case would lock a budget long before it is spent. That
 * lone request can take the spend past the limit by at most its own actual cost, and while it runs its
 * reservation keeps everything else out.
 */
export function admitBudget(input: BudgetAdmission): BudgetVerdict {
  const cap = input.limitMicros + input.grantsMicros;
  if (input.spentMicros >= cap) return { admit: false, kind: 'exhausted' };
  const margin = Math.max(1, input.concurrencyMargin ?? 1);
  if (input.spentMicros + margin * (input.reservedMicros + input.worstCaseMicros) <= cap) return { admit: true };
  if (input.inFlight === 0) return { admit: true };
  return { admit: false, kind: 'busy' };
}
