// What a request costs: its usage priced at the model that served it, or, when the API reports the
// sampling steps behind the usage (`usage.iterations`: compaction, an advisor on another model), every
// step at its own model's rates. The top-level usage then covers only the `message` steps, so pricing
// it alone undercounts (a compaction step's cache write appears nowhere else). Pure: no I/O, no clock.
import type { ModelUsage } from '../../shared/schemas.js';
import {
  cacheWriteSplit,
  microsToUsd,
  serverToolMicros,
  tokenCostUnits,
  unitsToMicros,
  type IterationUsage,
  type TokenUsage,
} from './cost.js';
import { priceVersionLabel, type PriceBook, type PriceResolution } from './price-book.js';

export interface Bill {
  costMicros: number;
  /** True when some model was not in the price table and a family or worst-case price stood in. */
  estimated: boolean;
  /** The price applied to the response's model (the row's price version). */
  price: PriceResolution;
  /** One entry per model when usage.iterations was priced; empty otherwise. */
  byModel: ModelUsage[];
}

export function billRequest(book: PriceBook, model: string, usage: TokenUsage, at: number): Bill {
  const price = book.resolve(model, at);
  const iterations = usage.iterations ?? [];
  if (iterations.length === 0) {
    const costMicros = unitsToMicros(tokenCostUnits(price.version, usage)) + serverToolMicros(usage);
    return { costMicros, estimated: price.estimated, price, byModel: [] };
  }

  const groups = new Map<string, { price: PriceResolution; units: number; steps: IterationUsage[] }>();
  for (const step of iterations) {
    const stepModel = step.model ?? model;
    let group = groups.get(stepModel);
    if (!group) {
      group = { price: stepModel === model ? price : book.resolve(stepModel, at), units: 0, steps: [] };
      groups.set(stepModel, group);
    }
    // Each step is its own sampling call, so a long-context band applies to the step, not the sum.
    group.units += tokenCostUnits(group.price.version, step);
    group.steps.push(step);
  }

  // Server tools are called by the request's own model: their fees go on its line.
  const fees = serverToolMicros(usage);
  let estimated = false;
  const byModel = [...groups].map(([stepModel, group]): ModelUsage => {
    estimated ||= group.price.estimated;
    const micros = unitsToMicros(group.units) + (stepModel === model ? fees : 0);
    return {
      model: stepModel,
      ...sumSteps(group.steps),
      cost: microsToUsd(micros),
      cost_micros: micros,
      price_version: priceVersionLabel(group.price.version),
    };
  });
  if (!groups.has(model) && fees > 0) {
    byModel.push({
      model,
      ...sumSteps([]),
      cost: microsToUsd(fees),
      cost_micros: fees,
      price_version: priceVersionLabel(price.version),
    });
  }
  const costMicros = byModel.reduce((sum, line) => sum + line.cost_micros, 0);
  return { costMicros, estimated, price, byModel };
}

function sumSteps(
  steps: readonly IterationUsage[],
): Omit<ModelUsage, 'model' | 'cost' | 'cost_micros' | 'price_version'> {
  const total = {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_creation_5m_input_tokens: 0,
    cache_creation_1h_input_tokens: 0,
    cache_read_input_tokens: 0,
    iteration_types: [] as string[],
  };
  for (const step of steps) {
    const writes = cacheWriteSplit(step);
    total.input_tokens += step.input_tokens;
    total.output_tokens += step.output_tokens;
    total.cache_creation_input_tokens += step.cache_creation_input_tokens;
    total.cache_creation_5m_input_tokens += writes.fiveMinute;
    total.cache_creation_1h_input_tokens += writes.oneHour;
    total.cache_read_input_tokens += step.cache_read_input_tokens;
    total.iteration_types.push(step.type);
  }
  return total;
}
