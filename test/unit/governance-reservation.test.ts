// Budget reservations: the worst-case cost reserved before a request runs, and budget admission, down to
// a simulation of many concurrent requests that must not take the spend past the limit by more than one.
import { describe, expect, it } from 'vitest';
import {
  admitBudget,
  DEFAULT_MAX_TOKENS_ESTIMATE,
  worstCaseMicros,
  type BudgetAdmission,
} from '../../electron/governance/reservation.js';
import type { PriceVersion, Rates } from '../../electron/pricing/cost.js';

/** USD per million tokens → micro-dollars per million tokens, the unit the price table keeps. */
const perMillion = (usd: number): number => usd * 1_000_000;

const rates = (input: number, output: number, write5m: number, write1h: number, read: number): Rates => ({
  input: perMillion(input),
  output: perMillion(output),
  cache_write_5m: perMillion(write5m),
  cache_write_1h: perMillion(write1h),
  cache_read: perMillion(read),
});

const version = (base: Rates, bands: PriceVersion['bands'] = []): PriceVersion => ({
  id: 1,
  model: 'claude-test-1',
  source: 'builtin',
  effective_from: 0,
  rates: base,
  bands,
  note: null,
  retired_at: null,
});

// Opus-like: $5 in, $25 out, $6.25 / $10 cache writes, $0.50 reads.
const opus = version(rates(5, 25, 6.25, 10, 0.5));

describe('worstCaseMicros', () => {
  it('prices the body at a token per 3 bytes at the 1-hour cache-write rate, plus max_tokens at the output rate', () => {
    // 30,000 bytes → 10,000 tokens × $10/M = $0.10; 1,000 output × $25/M = $0.025.
    expect(worstCaseMicros(opus, 30_000, 1_000)).toBe(125_000);
  });

  it('uses the input rate when it is the dearer one', () => {
    const cheapWrites = version(rates(3, 15, 2, 2, 0.3));
    // 3,000 tokens × $3/M = $0.009; 100 × $15/M = $0.0015.
    expect(worstCaseMicros(cheapWrites, 9_000, 100)).toBe(10_500);
  });

  it('assumes 32,000 output tokens when the request gives no max_tokens', () => {
    expect(DEFAULT_MAX_TOKENS_ESTIMATE).toBe(32_000);
    // 32,000 × $25/M = $0.80.
    expect(worstCaseMicros(opus, 0, undefined)).toBe(800_000);
    expect(worstCaseMicros(opus, 0, Number.NaN)).toBe(800_000);
  });

  it('rounds partial tokens and partial micro-dollars up', () => {
    // 1 byte → 1 token × $10/M = 10 micro-dollars; no output.
    expect(worstCaseMicros(opus, 1, 0)).toBe(10);
    // 1 output token at $25/M = 25 micro-dollars; 1 token at $0.30/M rounds up to 1.
    expect(worstCaseMicros(opus, 0, 1)).toBe(25);
    expect(worstCaseMicros(version(rates(0.3, 0, 0, 0, 0)), 3, 0)).toBe(1);
  });

  it('charges the long-context band when the estimated prompt falls in it', () => {
    const sonnet = version(rates(3, 15, 3.75, 6, 0.3), [
      { above_prompt_tokens: 200_000, ...rates(6, 22.5, 7.5, 12, 0.6) },
    ]);
    // 600,000 bytes → 200,000 tokens: not above the threshold. 200,000 × $6/M = $1.20.
    expect(worstCaseMicros(sonnet, 600_000, 0)).toBe(1_200_000);
    // 600,003 bytes → 200,001 tokens: long-context. 200,001 × $12/M + 1,000 × $22.50/M.
    expect(worstCaseMicros(sonnet, 600_003, 1_000)).toBe(2_400_012 + 22_500);
  });
});

describe('admitBudget', () => {
  const base: BudgetAdmission = {
    limitMicros: 1_000_000,
    grantsMicros: 0,
    spentMicros: 0,
    reservedMicros: 0,
    worstCaseMicros: 100_000,
    inFlight: 0,
  };

  it('admits a request whose worst case fits beside what is spent and reserved', () => {
    expect(admitBudget({ ...base, spentMicros: 500_000, reservedMicros: 400_000, inFlight: 3 })).toEqual({
      admit: true,
    });
  });

  it('says busy when the room left is held by in-flight reservations', () => {
    expect(admitBudget({ ...base, spentMicros: 500_000, reservedMicros: 400_001, inFlight: 3 })).toEqual({
      admit: false,
      kind: 'busy',
    });
  });

  it('admits one request at a time whose worst case exceeds what is left, when nothing else runs', () => {
    expect(admitBudget({ ...base, spentMicros: 990_000, worstCaseMicros: 3_000_000 })).toEqual({ admit: true });
    expect(
      admitBudget({ ...base, spentMicros: 990_000, worstCaseMicros: 3_000_000, reservedMicros: 5_000, inFlight: 1 }),
    ).toEqual({ admit: false, kind: 'busy' });
  });

  it('says exhausted once the spend reaches the limit plus grants', () => {
    expect(admitBudget({ ...base, spentMicros: 1_000_000 })).toEqual({ admit: false, kind: 'exhausted' });
    expect(admitBudget({ ...base, spentMicros: 1_200_000, grantsMicros: 250_000, worstCaseMicros: 10_000 })).toEqual({
      admit: true,
    });
    expect(admitBudget({ ...base, spentMicros: 1_250_000, grantsMicros: 250_000 })).toEqual({
      admit: false,
      kind: 'exhausted',
    });
    expect(admitBudget({ ...base, limitMicros: 0 })).toEqual({ admit: false, kind: 'exhausted' });
  });
});

describe('admitBudget under concurrency', () => {
  /** A small deterministic generator, so a failing run can be replayed. */
  function generator(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
      mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
      return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
    };
  }

  interface Outcome {
    spent: number;
    admitted: number;
    refused: number;
    largestActual: number;
  }

  /**
   * 40 requests arrive together. Each step either admits the next waiting request or settles a random
   * one in flight; a busy refusal sends the request back to wait, an exhausted one turns it away for good.
   */
  function simulate(seed: number, limit: number, worstCase: number, actualCost: (random: number) => number): Outcome {
    const random = generator(seed);
    const waiting = Array.from({ length: 40 }, (_, index) => index);
    const inFlight: { worstCase: number; actual: number }[] = [];
    let spent = 0;
    let reserved = 0;
    let admitted = 0;
    let refused = 0;
    let largestActual = 0;
    while (waiting.length > 0 || inFlight.length > 0) {
      const settleNow = inFlight.length > 0 && (waiting.length === 0 || random() < 0.3);
      if (settleNow) {
        const [done] = inFlight.splice(Math.floor(random() * inFlight.length), 1);
        if (!done) throw new Error('nothing to settle');
        reserved -= done.worstCase;
        spent += done.actual;
        continue;
      }
      const request = waiting.shift();
      if (request === undefined) throw new Error('nothing waiting');
      const verdict = admitBudget({
        limitMicros: limit,
        grantsMicros: 0,
        spentMicros: spent,
        reservedMicros: reserved,
        worstCaseMicros: worstCase,
        inFlight: inFlight.length,
      });
      if (verdict.admit) {
        const actual = actualCost(random());
        expect(actual).toBeLessThan(worstCase);
        largestActual = Math.max(largestActual, actual);
        inFlight.push({ worstCase, actual });
        reserved += worstCase;
        admitted += 1;
      } else if (verdict.kind === 'exhausted') {
        refused += 1;
      } else if (inFlight.length === 0) {
        throw new Error('busy with nothing in flight would wait forever');
      } else {
        waiting.push(request);
      }
    }
    return { spent, admitted, refused, largestActual };
  }

  it('ends at most one actual cost above the limit when 40 requests share room for about five', () => {
    // Actual costs 150–250k micro-dollars against a 1,000,000 limit; each reserves a 600k worst case.
    for (let seed = 1; seed <= 50; seed += 1) {
      const outcome = simulate(seed, 1_000_000, 600_000, (random) => 150_000 + Math.floor(random * 100_000));
      expect(outcome.admitted + outcome.refused, `seed ${seed}`).toBe(40);
      expect(outcome.spent, `seed ${seed}`).toBeLessThanOrEqual(1_000_000 + outcome.largestActual);
      expect(outcome.admitted, `seed ${seed}`).toBeGreaterThanOrEqual(4);
      expect(outcome.admitted, `seed ${seed}`).toBeLessThanOrEqual(7);
      expect(outcome.refused, `seed ${seed}`).toBeGreaterThanOrEqual(33);
    }
  });

  it('ends at most one actual cost above the limit when worst cases are close to actual costs', () => {
    for (let seed = 1; seed <= 50; seed += 1) {
      // Worst case 90k, actual 30–80k: many run side by side, and only a lone request may pass the limit.
      const outcome = simulate(seed, 1_000_000, 90_000, (random) => 30_000 + Math.floor(random * 50_000));
      expect(outcome.spent, `seed ${seed}`).toBeLessThanOrEqual(1_000_000 + outcome.largestActual);
      expect(outcome.admitted + outcome.refused, `seed ${seed}`).toBe(40);
    }
  });
});
