// The built-in Anthropic price table, kept as data in anthropic-prices.json (USD per million tokens,
// with the date each price took effect) and checked against a schema when it is loaded.
import { z } from 'zod';
import { priceBandSchema, priceRatesSchema } from '../../shared/schemas.js';
import table from './anthropic-prices.json' with { type: 'json' };
import { parseModelId, type ModelFamily } from './model-id.js';
import type { CatalogModel } from './price-book.js';

const catalogSchema = z.object({
  table_version: z.string(),
  models: z.array(
    z.object({
      id: z.string(),
      aliases: z.array(z.string()),
      family: z.enum(['fable', 'mythos', 'opus', 'sonnet', 'haiku']),
      display_name: z.string(),
      prices: z
        .array(
          priceRatesSchema.extend({
            effective_from: z.iso.date(),
            bands: z.array(priceBandSchema).optional(),
          }),
        )
        .min(1),
    }),
  ),
});

export type BuiltinPrice = z.infer<typeof catalogSchema>['models'][number]['prices'][number] & { model: string };

export interface BuiltinCatalog {
  tableVersion: string;
  models: CatalogModel[];
  prices: BuiltinPrice[];
}

export function loadBuiltinCatalog(): BuiltinCatalog {
  const parsed = catalogSchema.parse(table);
  return {
    tableVersion: parsed.table_version,
    models: parsed.models.map((model) => ({
      id: model.id,
      aliases: model.aliases,
      family: model.family satisfies ModelFamily,
      display_name: model.display_name,
      version: parseModelId(model.id).version ?? 0,
    })),
    prices: parsed.models.flatMap((model) => model.prices.map((price) => ({ ...price, model: model.id }))),
  };
}
