// Price versions in the database. Built-in prices are copied in at start-up (once per distinct
// version), admin overrides are added beside them, and no row is ever edited after a request was
// charged at it — so a log row's price_id always tells what it was charged at.
import type { PriceOverride } from '../../shared/schemas.js';
import type { BuiltinPrice } from '../pricing/catalog.js';
import { usdToMicros, type Band, type PriceVersion, type Rates } from '../pricing/cost.js';
import { parseModelId } from '../pricing/model-id.js';
import type { Db } from './database.js';

interface PriceRow {
  id: number;
  model: string;
  source: 'builtin' | 'override';
  effective_from: number;
  input: number;
  output: number;
  cache_write_5m: number;
  cache_write_1h: number;
  cache_read: number;
  bands: string;
  note: string | null;
  retired_at: number | null;
}

type UsdRates = { [K in keyof Rates]: number };
type UsdBand = UsdRates & { above_prompt_tokens: number };

const toMicroRates = (usd: UsdRates): Rates => ({
  input: usdToMicros(usd.input),
  output: usdToMicros(usd.output),
  cache_write_5m: usdToMicros(usd.cache_write_5m),
  cache_write_1h: usdToMicros(usd.cache_write_1h),
  cache_read: usdToMicros(usd.cache_read),
});

const toMicroBands = (bands: readonly UsdBand[] | undefined): Band[] =>
  (bands ?? []).map((band) => ({ ...toMicroRates(band), above_prompt_tokens: band.above_prompt_tokens }));

export class PriceStore {
  private readonly all;
  private readonly findSame;
  private readonly insert;
  private readonly retire;

  constructor(private readonly db: Db) {
    this.all = db.prepare<[], PriceRow>('SELECT * FROM prices ORDER BY id');
    this.findSame = db.prepare<[Record<string, unknown>], { id: number }>(
      `SELECT id FROM prices WHERE model = @model AND source = @source AND effective_from = @effective_from
         AND input = @input AND output = @output AND cache_write_5m = @cache_write_5m
         AND cache_write_1h = @cache_write_1h AND cache_read = @cache_read AND bands = @bands`,
    );
    this.insert = db.prepare(
      `INSERT INTO prices (model, source, effective_from, input, output, cache_write_5m, cache_write_1h, cache_read, bands, note, created_at)
       VALUES (@model, @source, @effective_from, @input, @output, @cache_write_5m, @cache_write_1h, @cache_read, @bands, @note, @now)`,
    );
    this.retire = db.prepare(
      `UPDATE prices SET retired_at = @now WHERE model = @model AND source = 'override' AND retired_at IS NULL`,
    );
  }

  /** Copies in the built-in prices this database has not seen yet; returns how many were new. */
  seedBuiltins(prices: readonly BuiltinPrice[], now: number): number {
    let added = 0;
    this.db.transaction(() => {
      for (const price of prices) {
        const row = {
          model: price.model,
          source: 'builtin',
          effective_from: Date.parse(`${price.effective_from}T00:00:00Z`),
          ...toMicroRates(price),
          bands: JSON.stringify(toMicroBands(price.bands)),
          note: null,
          now,
        };
        if (this.findSame.get(row)) continue;
        this.insert.run(row);
        added++;
      }
    })();
    return added;
  }

  /** Replaces any active override for the model; takes effect from `now`. */
  setOverride(rawModel: string, price: PriceOverride, now: number): void {
    const model = parseModelId(rawModel).base;
    this.db.transaction(() => {
      this.retire.run({ model, now });
      this.insert.run({
        model,
        source: 'override',
        effective_from: now,
        ...toMicroRates(price),
        bands: JSON.stringify(toMicroBands(price.bands)),
        note: price.note ?? null,
        now,
      });
    })();
  }

  clearOverride(rawModel: string, now: number): boolean {
    return this.retire.run({ model: parseModelId(rawModel).base, now }).changes > 0;
  }

  versions(): PriceVersion[] {
    return this.all.all().map((row) => ({
      id: row.id,
      model: row.model,
      source: row.source,
      effective_from: row.effective_from,
      rates: {
        input: row.input,
        output: row.output,
        cache_write_5m: row.cache_write_5m,
        cache_write_1h: row.cache_write_1h,
        cache_read: row.cache_read,
      },
      bands: JSON.parse(row.bands) as Band[],
      note: row.note,
      retired_at: row.retired_at,
    }));
  }
}
