// The price table the gateway charges with, and the admin's overrides of it. The override form's
// validation lives here too, built on the same schema the gateway validates the body with.
import { create, type StateCreator } from 'zustand';
import type { RouteResponse } from '../../../shared/contract';
import { priceOverrideSchema, type PriceOverride } from '../../../shared/schemas';
import { callApi, onSignOut } from './session';

export type PricingTable = RouteResponse<'getPricing'>;
export type PricedModel = PricingTable['models'][number];
export type PriceVersion = PricedModel['current'];

export const RATE_FIELDS = ['input', 'output', 'cache_write_5m', 'cache_write_1h', 'cache_read'] as const;
export type RateField = (typeof RATE_FIELDS)[number];
export const RATE_LABELS: Record<RateField, string> = {
  input: 'Input',
  output: 'Output',
  cache_write_5m: 'Cache write 5m',
  cache_write_1h: 'Cache write 1h',
  cache_read: 'Cache read',
};

/** The override form as typed: every field a string until it validates. */
export interface OverrideForm {
  rates: Record<RateField, string>;
  bands: { above_prompt_tokens: string; rates: Record<RateField, string> }[];
  note: string;
}

export type OverrideErrors = Partial<Record<string, string>>;

export function formFromVersion(version: PriceVersion): OverrideForm {
  const rates = (source: Record<RateField, number>): Record<RateField, string> =>
    Object.fromEntries(RATE_FIELDS.map((field) => [field, String(source[field])])) as Record<RateField, string>;
  return {
    rates: rates(version),
    bands: version.bands.map((band) => ({ above_prompt_tokens: String(band.above_prompt_tokens), rates: rates(band) })),
    note: version.source === 'override' ? (version.note ?? '') : '',
  };
}

/**
 * Check the form and build the override body. Errors are keyed by field path (`input`,
 * `bands.0.above_prompt_tokens`, `note`) so the form can show each next to its input.
 */
export function validateOverride(
  form: OverrideForm,
): { ok: true; value: PriceOverride } | { ok: false; errors: OverrideErrors } {
  const errors: OverrideErrors = {};
  const number = (raw: string, path: string): number => {
    const trimmed = raw.trim();
    if (trimmed === '') {
      errors[path] = 'Required';
      return Number.NaN;
    }
    const value = Number(trimmed);
    if (!Number.isFinite(value)) errors[path] = 'Not a number';
    else if (value < 0) errors[path] = 'Cannot be negative';
    return value;
  };
  const rates = (source: Record<RateField, string>, prefix: string): Record<RateField, number> =>
    Object.fromEntries(RATE_FIELDS.map((field) => [field, number(source[field], `${prefix}${field}`)])) as Record<
      RateField,
      number
    >;

  const base = rates(form.rates, '');
  const bands = form.bands.map((band, index) => {
    const path = `bands.${index}.above_prompt_tokens`;
    const threshold = Number(band.above_prompt_tokens.trim());
    if (band.above_prompt_tokens.trim() === '') errors[path] = 'Required';
    else if (!Number.isInteger(threshold) || threshold <= 0) errors[path] = 'A whole number of tokens above zero';
    return { above_prompt_tokens: threshold, ...rates(band.rates, `bands.${index}.`) };
  });
  const thresholds = bands.map((band) => band.above_prompt_tokens);
  thresholds.forEach((threshold, index) => {
    if (thresholds.indexOf(threshold) !== index)
      errors[`bands.${index}.above_prompt_tokens`] ??= 'Two bands share this threshold';
  });
  const note = form.note.trim();
  const candidate = { ...base, ...(bands.length > 0 && { bands }), ...(note && { note }) };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  // The gateway validates with this schema too; checking here keeps the two from disagreeing quietly.
  const parsed = priceOverrideSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[issue.path.join('.') || 'form'] = issue.message;
    return { ok: false, errors };
  }
  return { ok: true, value: parsed.data };
}

/**
 * Spend per catalogue model. The log names models as clients sent them (`claude-sonnet-4-5-20250929`,
 * an alias), so each id is credited to the catalogue entry it resolves to; ids that match none keep their own.
 */
export function spendByModel(
  groups: { id: string; total: number }[],
  models: PricedModel[],
): Partial<Record<string, number>> {
  const spend: Partial<Record<string, number>> = {};
  for (const group of groups) {
    const model =
      models.find((candidate) => candidate.model === group.id || candidate.aliases.includes(group.id)) ??
      models.find(
        (candidate) =>
          group.id.startsWith(`${candidate.model}-`) && /^\d{8}$/.test(group.id.slice(candidate.model.length + 1)),
      );
    const key = model?.model ?? group.id;
    spend[key] = (spend[key] ?? 0) + group.total;
  }
  return spend;
}

// ---- store ---------------------------------------------------------------------------------------

type Load = 'idle' | 'loading' | 'ready' | 'error';

export interface PricingState {
  table: PricingTable | null;
  status: Load;
  error: string | null;
  /** The model whose override is being saved or removed. */
  saving: string | null;
  /** USD per model over the last SPEND_DAYS days; null until known (or when the statistics are unavailable). */
  spend: Partial<Record<string, number>> | null;
  /** Requests of the last SPEND_DAYS days priced by family or worst case, by requested model; null until known. */
  estimated: EstimatedUsage | null;
}

/** How many recent requests had no exact price row, model by model, most first. */
export interface EstimatedUsage {
  models: { model: string; requests: number }[];
  /** More rows matched than were counted: the counts are lower bounds. */
  truncated: boolean;
}

/** Rows read to count estimated requests; beyond this the page says "1000+". */
export const ESTIMATED_SAMPLE = 1000;

/** Counts rows by the model they name, most first (ties by name). */
export function countByModel(rows: { model: string | null }[]): { model: string; requests: number }[] {
  const counts = new Map<string, number>();
  for (const row of rows) {
    const model = row.model ?? 'unknown';
    counts.set(model, (counts.get(model) ?? 0) + 1);
  }
  return [...counts.entries()]
    .map(([model, requests]) => ({ model, requests }))
    .sort((a, b) => b.requests - a.requests || a.model.localeCompare(b.model));
}

export const SPEND_DAYS = 30;

export const initialPricingState: PricingState = {
  table: null,
  status: 'idle',
  error: null,
  saving: null,
  spend: null,
  estimated: null,
};

interface PricingActions {
  load: () => Promise<void>;
  loadSpend: () => Promise<void>;
  /** Recent requests priced by family or worst case; a failure leaves the section out. */
  loadEstimated: () => Promise<void>;
  /** Save an override; resolves to the gateway's confirmation, or throws its refusal. */
  saveOverride: (model: string, override: PriceOverride) => Promise<string>;
  removeOverride: (model: string) => Promise<string>;
}

export type PricingStore = PricingState & PricingActions;

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const createPricingSlice: StateCreator<PricingStore, [], [], PricingActions> = (set, get) => {
  const refresh = async (): Promise<void> => {
    const table = await callApi('getPricing');
    set({ table, status: 'ready', error: null });
  };
  const change = async (model: string, run: () => Promise<{ message: string }>): Promise<string> => {
    set({ saving: model });
    try {
      const answer = await run();
      await refresh();
      return answer.message;
    } finally {
      if (get().saving === model) set({ saving: null });
    }
  };
  return {
    load: async () => {
      set({ status: get().table ? 'ready' : 'loading', error: null });
      try {
        await refresh();
      } catch (error) {
        set({ status: 'error', error: message(error) });
      }
    },
    loadSpend: async () => {
      try {
        const series = await callApi('getSpendSeries', {
          query: { group: 'model', bucket: 'day', start: Date.now() - SPEND_DAYS * 86_400_000 },
        });
        set({ spend: spendByModel(series.groups, get().table?.models ?? []) });
      } catch {
        // The spend column is a courtesy: the price table stands on its own without it.
        set({ spend: null });
      }
    },
    loadEstimated: async () => {
      try {
        const page = await callApi('listLogs', {
          query: { estimated: true, start: Date.now() - SPEND_DAYS * 86_400_000, limit: ESTIMATED_SAMPLE },
        });
        set({ estimated: { models: countByModel(page.logs), truncated: page.has_more } });
      } catch {
        set({ estimated: null });
      }
    },
    saveOverride: (model, override) =>
      change(model, () => callApi('setPriceOverride', { params: { model }, body: override })),
    removeOverride: (model) => change(model, () => callApi('deletePriceOverride', { params: { model } })),
  };
};

export const usePricing = create<PricingStore>()((...a) => ({ ...initialPricingState, ...createPricingSlice(...a) }));

onSignOut(() => usePricing.setState(initialPricingState));

const NO_MODELS: PricedModel[] = [];

export const pricingSelectors = {
  models: (state: PricingState): PricedModel[] => state.table?.models ?? NO_MODELS,
  overrideCount: (state: PricingState): number =>
    state.table?.models.filter((model) => model.current.source === 'override').length ?? 0,
};
