// Cost arithmetic and price resolution, checked against figures worked out by hand from Anthropic's
// published prices (USD per million tokens, see .research/pricing.md). Prices are resolved by a real
// PriceBook built from a real PriceStore on an in-memory database seeded from the built-in table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import table from '../../electron/pricing/anthropic-prices.json' with { type: 'json' };
import { loadBuiltinCatalog, type BuiltinCatalog } from '../../electron/pricing/catalog.js';
import { costMicros, type PriceVersion, type TokenUsage } from '../../electron/pricing/cost.js';
import { PriceBook, priceVersionLabel } from '../../electron/pricing/price-book.js';
import { openDatabase, type Db } from '../../electron/store/database.js';
import { PriceStore } from '../../electron/store/prices.js';

const at = (isoInstant: string): number => Date.parse(isoInstant);
const NOW = at('2026-11-23T12:00:00Z');
const SEEDED_AT = at('2026-11-01T00:00:00Z');

const usage = (partial: Partial<TokenUsage>): TokenUsage => ({
  input_tokens: 0,
  output_tokens: 0,
  cache_creation_input_tokens: 0,
  cache_read_input_tokens: 0,
  ...partial,
});

let db: Db;
let store: PriceStore;
let catalog: BuiltinCatalog;
let book: PriceBook;

beforeEach(() => {
  db = openDatabase(':memory:');
  store = new PriceStore(db);
  catalog = loadBuiltinCatalog();
  store.seedBuiltins(catalog.prices, SEEDED_AT);
  book = new PriceBook(catalog.models, store.versions());
});

afterEach(() => {
  db.close();
});

const rebuild = (): PriceBook => new PriceBook(catalog.models, store.versions());

/** The price version a model id is charged at, at an instant. */
const priceOf = (model: string, instant: number): PriceVersion => book.resolve(model, instant).version;

describe('costMicros', () => {
  it('charges plain input and output on Opus 4.8 at $5 and $25 per million tokens', () => {
    const opus = priceOf('claude-opus-4-8', NOW);
    // 1,000 × $5/M + 500 × $25/M = $0.005 + $0.0125
    expect(costMicros(opus, usage({ input_tokens: 1_000, output_tokens: 500 }))).toBe(17_500);
    // One million of each: exactly the list prices.
    expect(costMicros(opus, usage({ input_tokens: 1_000_000, output_tokens: 1_000_000 }))).toBe(30_000_000);
  });

  it('charges cache writes at the 5-minute and 1-hour rates the API split them into, and cache reads at the read rate', () => {
    const opus = priceOf('claude-opus-4-8', NOW);
    const cost = costMicros(
      opus,
      usage({
        input_tokens: 10,
        output_tokens: 20,
        cache_creation_input_tokens: 3_000,
        cache_creation_5m_input_tokens: 1_000,
        cache_creation_1h_input_tokens: 2_000,
        cache_read_input_tokens: 40_000,
      }),
    );
    // 10×5 + 20×25 + 1,000×6.25 + 2,000×10 + 40,000×0.5 = 46,800 USD per million tokens
    expect(cost).toBe(46_800);
  });

  it('charges every cache write at the 5-minute rate when the API gave no split', () => {
    const opus = priceOf('claude-opus-4-8', NOW);
    const cost = costMicros(
      opus,
      usage({
        input_tokens: 10,
        output_tokens: 20,
        cache_creation_input_tokens: 3_000,
        cache_read_input_tokens: 40_000,
      }),
    );
    // 10×5 + 20×25 + 3,000×6.25 + 40,000×0.5 = 39,300
    expect(cost).toBe(39_300);
  });

  it('charges Haiku 5.5 at the lower band for a prompt of exactly 100,000 tokens', () => {
    const haiku = priceOf('claude-haiku-5-5', NOW);
    const cost = costMicros(
      haiku,
      usage({
        input_tokens: 40_000,
        cache_read_input_tokens: 50_000,
        cache_creation_input_tokens: 10_000,
        output_tokens: 1_000,
      }),
    );
    // 40,000×0.1 + 50,000×0.01 + 10,000×0.125 + 1,000×0.5 = 6,250
    expect(cost).toBe(6_250);
  });

  it('charges every token of a Haiku 5.5 request whose prompt exceeds 100,000 tokens at the higher band, output included', () => {
    const haiku = priceOf('claude-haiku-5-5', NOW);
    const cost = costMicros(
      haiku,
      usage({
        input_tokens: 40_004,
        cache_read_input_tokens: 50_000,
        cache_creation_input_tokens: 10_000,
        output_tokens: 1_000,
      }),
    );
    // 40,004×0.5 + 50,000×0.05 + 10,000×0.625 + 1,000×2.5 = 31,252
    expect(cost).toBe(31_252);
  });

  it('counts cache reads toward the Haiku 5.5 prompt length', () => {
    const haiku = priceOf('claude-haiku-5-5', NOW);
    // Only 1,000 fresh input tokens, but 100,000 read from the cache: 101,000 prompt tokens.
    const cost = costMicros(
      haiku,
      usage({ input_tokens: 1_000, cache_read_input_tokens: 100_000, output_tokens: 2_000 }),
    );
    // 1,000×0.5 + 100,000×0.05 + 2,000×2.5 = 10,500
    expect(cost).toBe(10_500);
  });

  it('counts cache writes of both lifetimes toward the Haiku 5.5 prompt length', () => {
    const haiku = priceOf('claude-haiku-5-5', NOW);
    const cost = costMicros(
      haiku,
      usage({
        input_tokens: 1_000,
        cache_creation_input_tokens: 100_000,
        cache_creation_5m_input_tokens: 60_000,
        cache_creation_1h_input_tokens: 40_000,
        output_tokens: 2_000,
      }),
    );
    // 1,000×0.5 + 60,000×0.625 + 40,000×1 + 2,000×2.5 = 83,000
    expect(cost).toBe(83_000);
  });

  it('charges Sonnet 4.5 its long-context band above 200,000 prompt tokens before 2026-04-30, and not after', () => {
    const before = priceOf('claude-sonnet-4-5', at('2026-01-15T00:00:00Z'));
    const after = priceOf('claude-sonnet-4-5', at('2026-05-01T00:00:00Z'));
    const long = usage({ input_tokens: 150_000, cache_read_input_tokens: 50_010, output_tokens: 2_000 });
    // Before: 150,000×6 + 50,010×0.6 + 2,000×22.5 = 975,006
    expect(costMicros(before, long)).toBe(975_006);
    // After the 1M beta ended there is no band: 150,000×3 + 50,010×0.3 + 2,000×15 = 495,003
    expect(costMicros(after, long)).toBe(495_003);
  });

  it('charges Sonnet 4.5 the standard rate for a prompt of exactly 200,000 tokens before 2026-04-30', () => {
    const before = priceOf('claude-sonnet-4-5', at('2026-01-15T00:00:00Z'));
    const edge = usage({ input_tokens: 150_000, cache_read_input_tokens: 50_000, output_tokens: 2_000 });
    // 150,000×3 + 50,000×0.3 + 2,000×15 = 495,000
    expect(costMicros(before, edge)).toBe(495_000);
  });

  it('adds $10 per 1,000 web searches on top of the tokens', () => {
    const opus = priceOf('claude-opus-4-8', NOW);
    expect(costMicros(opus, usage({ input_tokens: 1_000, output_tokens: 500, web_search_requests: 3 }))).toBe(47_500);
    expect(costMicros(opus, usage({ web_search_requests: 1_000 }))).toBe(10_000_000);
  });

  it('rounds once, at the end, to the nearest micro-dollar', () => {
    const haiku3 = priceOf('claude-3-haiku-20240307', NOW);
    // 3 × $0.25/M = 0.75 micro-dollars → 1; 1 × $0.25/M = 0.25 → 0
    expect(costMicros(haiku3, usage({ input_tokens: 3 }))).toBe(1);
    expect(costMicros(haiku3, usage({ input_tokens: 1 }))).toBe(0);
  });
});

describe('PriceBook over the seeded price store', () => {
  it('prices Sonnet 5.5 cache reads at $0.20 before 2026-10-07 and $0.10 from that day, as two price versions', () => {
    const before = book.resolve('claude-sonnet-5-5', at('2026-10-06T23:59:59Z'));
    const after = book.resolve('claude-sonnet-5-5', at('2026-10-07T00:00:00Z'));
    expect(before.version.id).not.toBe(after.version.id);
    expect(before.version.rates.cache_read).toBe(200_000);
    expect(after.version.rates.cache_read).toBe(100_000);
    expect(before.version.rates.input).toBe(after.version.rates.input);
    expect(priceVersionLabel(before.version)).toBe('claude-sonnet-5-5@2026-09-28');
    expect(priceVersionLabel(after.version)).toBe('claude-sonnet-5-5@2026-10-07');
    expect(before.estimated).toBe(false);
    expect(after.estimated).toBe(false);
  });

  it.each([
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['claude-sonnet-4-5@20250929', 'claude-sonnet-4-5'],
    ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5'],
    ['claude-opus-4-8[1m]', 'claude-opus-4-8'],
    ['claude-3-opus-20240229', 'claude-3-opus-latest'],
    ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet-latest'],
    ['claude-opus-4-20250514', 'claude-opus-4-0'],
  ])('prices the alias %s as its catalogue model %s, not as an estimate', (alias, model) => {
    const resolution = book.resolve(alias, NOW);
    expect(resolution).toMatchObject({ priced_as: model, estimated: false });
    expect(resolution.version.model).toBe(model);
  });

  it("prices an unknown future model of a known family at that family's newest model, flagged as an estimate", () => {
    const resolution = book.resolve('claude-opus-9-9', NOW);
    expect(resolution.priced_as).toBe('claude-opus-5-5');
    expect(resolution.estimated).toBe(true);
    expect(resolution.version.rates).toEqual(priceOf('claude-opus-5-5', NOW).rates);
  });

  it('prices an unknown sibling at the newest model of its family not newer than itself', () => {
    // Mythos 5.2 has no published price; Mythos 5.1 is the closest known member.
    expect(book.resolve('claude-mythos-5-2', NOW)).toMatchObject({ priced_as: 'claude-mythos-5-1', estimated: true });
  });

  it.each(['gpt-5', 'mystery-model'])(
    'prices the unknown id %s at the dearest known price, flagged, never $0',
    (id) => {
      const resolution = book.resolve(id, NOW);
      expect(resolution.estimated).toBe(true);
      const dearestOutputUsd = Math.max(...table.models.flatMap((model) => model.prices.map((price) => price.output)));
      expect(resolution.version.rates.output).toBe(dearestOutputUsd * 1_000_000);
      expect(resolution.version.rates.input).toBeGreaterThan(0);
      expect(costMicros(resolution.version, usage({ input_tokens: 1_000, output_tokens: 1_000 }))).toBe(90_000);
    },
  );

  it('applies an admin override from the moment it is set, keeps the built-in price before it, and restores it when cleared', () => {
    const setAt = at('2026-11-20T10:00:00Z');
    const clearedAt = at('2026-11-22T10:00:00Z');
    const builtin = priceOf('claude-sonnet-4-5', setAt - 1);

    store.setOverride(
      'claude-sonnet-4-5',
      { input: 1, output: 2, cache_write_5m: 1.25, cache_write_1h: 2, cache_read: 0.1, note: 'negotiated rate' },
      setAt,
    );
    const withOverride = rebuild();
    const atSet = withOverride.resolve('claude-sonnet-4-5-20250929', setAt);
    expect(atSet.version.source).toBe('override');
    expect(atSet.estimated).toBe(false);
    expect(atSet.version.rates).toEqual({
      input: 1_000_000,
      output: 2_000_000,
      cache_write_5m: 1_250_000,
      cache_write_1h: 2_000_000,
      cache_read: 100_000,
    });
    expect(priceVersionLabel(atSet.version)).toBe(`claude-sonnet-4-5@override-${atSet.version.id}`);
    expect(withOverride.resolve('claude-sonnet-4-5', setAt - 1).version.id).toBe(builtin.id);

    expect(store.clearOverride('claude-sonnet-4-5', clearedAt)).toBe(true);
    const cleared = rebuild();
    expect(cleared.resolve('claude-sonnet-4-5', clearedAt).version.id).toBe(builtin.id);
    // A request charged while the override was in force keeps that price.
    expect(cleared.resolve('claude-sonnet-4-5', clearedAt - 1).version.id).toBe(atSet.version.id);
    expect(store.clearOverride('claude-sonnet-4-5', clearedAt + 1)).toBe(false);
  });

  it('keeps an override in force over a built-in price that takes effect after it was set', () => {
    // Set before Sonnet 5.5's built-in cache-read cut of 2026-10-07; the admin's price still wins after it.
    store.setOverride(
      'claude-sonnet-5-5',
      { input: 1.5, output: 7.5, cache_write_5m: 1.875, cache_write_1h: 3, cache_read: 0.15 },
      at('2026-10-01T00:00:00Z'),
    );
    const resolution = rebuild().resolve('claude-sonnet-5-5', at('2026-10-10T00:00:00Z'));
    expect(resolution.version.source).toBe('override');
    expect(resolution.version.rates.cache_read).toBe(150_000);
  });

  it('replaces an earlier override of the same model rather than stacking them', () => {
    const base = { cache_write_5m: 1, cache_write_1h: 1, cache_read: 1 };
    store.setOverride('claude-opus-4-8', { ...base, input: 1, output: 1 }, at('2026-11-20T00:00:00Z'));
    store.setOverride('claude-opus-4-8', { ...base, input: 2, output: 2 }, at('2026-11-21T00:00:00Z'));
    const current = rebuild().resolve('claude-opus-4-8', NOW).version;
    expect(current.rates.input).toBe(2_000_000);
    expect(store.versions().filter((v) => v.source === 'override' && v.retired_at === null)).toHaveLength(1);
  });

  it('adds no duplicate price versions when the built-in table is seeded again', () => {
    const count = store.versions().length;
    expect(count).toBe(catalog.prices.length);
    expect(store.seedBuiltins(catalog.prices, NOW)).toBe(0);
    expect(store.versions()).toHaveLength(count);
  });

  it('gives every model in the built-in table a positive input and output price, bands included', () => {
    expect(catalog.prices.length).toBeGreaterThanOrEqual(table.models.length);
    for (const price of catalog.prices) {
      expect(price.input, `${price.model} input`).toBeGreaterThan(0);
      expect(price.output, `${price.model} output`).toBeGreaterThan(0);
      for (const band of price.bands ?? []) {
        expect(band.input, `${price.model} band input`).toBeGreaterThan(0);
        expect(band.output, `${price.model} band output`).toBeGreaterThan(0);
      }
    }
  });
});

describe('the built-in price table', () => {
  const families = {
    'Fable 5 and 5.1': ['claude-fable-5', 'claude-fable-5-1'],
    'Mythos 5 and 5.1': ['claude-mythos-5', 'claude-mythos-5-1'],
    'Opus 4.x to 5.5': [
      'claude-opus-4-0',
      'claude-opus-4-1',
      'claude-opus-4-5',
      'claude-opus-4-6',
      'claude-opus-4-7',
      'claude-opus-4-8',
      'claude-opus-5',
      'claude-opus-5-5',
    ],
    'Sonnet 4.x to 5.5': [
      'claude-sonnet-4-0',
      'claude-sonnet-4-5',
      'claude-sonnet-4-6',
      'claude-sonnet-5',
      'claude-sonnet-5-5',
    ],
    'Haiku 3.x to 5.5': ['claude-3-haiku-20240307', 'claude-3-5-haiku-latest', 'claude-haiku-4-5', 'claude-haiku-5-5'],
  };

  it.each(Object.entries(families))('lists %s', (_family, ids) => {
    const listed = new Set(table.models.map((model) => model.id));
    for (const id of ids) expect(listed, id).toContain(id);
  });

  it('prices every listed model today without estimating', () => {
    for (const model of catalog.models) {
      expect(book.resolve(model.id, NOW), model.id).toMatchObject({ priced_as: model.id, estimated: false });
    }
  });
});
