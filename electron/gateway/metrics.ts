// Prometheus metrics for GET /metrics, on a registry of the gateway's own (several gateways can share
// a process in tests). Labelled by key id, model and HTTP status, each from a bounded set: a client
// chooses its model id freely, and a label per id would let anyone who can reach the proxy grow the
// registry (and the /metrics answer) without bound.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { microsToUsd } from '../pricing/cost.js';
import { parseModelId } from '../pricing/model-id.js';
import type { LogRecord } from '../store/request-log.js';

/** What labelling needs to know about model ids: the ones the price book knows (a PriceBook is one). */
export interface KnownModels {
  catalogModelFor(rawModelId: string): { id: string } | null;
  /** Catalogue models and the models an admin priced with an override. */
  pricedModels(): string[];
}

/** Longer than any real model id; only this much of a client's id is read to label it. */
const MODEL_ID_READ = 256;

/**
 * The model label: the catalogue id of a known model (`claude-opus-4-8` for `claude-opus-4-8[1m]`), a
 * model an admin priced, else the family (`claude-opus`), else `other`; `none` when no model was named.
 */
export function modelLabel(model: string | null, known: KnownModels): string {
  if (model === null) return 'none';
  const id = model.slice(0, MODEL_ID_READ);
  const catalogued = known.catalogModelFor(id);
  if (catalogued) return catalogued.id;
  const parsed = parseModelId(id);
  if (known.pricedModels().includes(parsed.base)) return parsed.base;
  return parsed.family ? `claude-${parsed.family}` : 'other';
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'key' | 'model' | 'status' | 'endpoint'>;
  private readonly tokens: Counter<'key' | 'model' | 'type'>;
  private readonly cost: Counter<'key' | 'model'>;
  private readonly latency: Histogram<'key' | 'model' | 'status'>;

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'tollgate_' });
    this.requests = new Counter({
      name: 'tollgate_requests_total',
      help: 'Requests handled, by virtual key id, model, HTTP status and endpoint.',
      labelNames: ['key', 'model', 'status', 'endpoint'],
      registers: [this.registry],
    });
    this.tokens = new Counter({
      name: 'tollgate_tokens_total',
      help: 'Tokens by type: input, output, cache_write, cache_read.',
      labelNames: ['key', 'model', 'type'],
      registers: [this.registry],
    });
    this.cost = new Counter({
      name: 'tollgate_cost_usd_total',
      help: 'Cost charged, in US dollars.',
      labelNames: ['key', 'model'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'tollgate_request_duration_seconds',
      help: 'Time from request received to response finished.',
      labelNames: ['key', 'model', 'status'],
      buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers: [this.registry],
    });
  }

  /** Counts a settled request. Key ids come from the admin, status codes are numbers, models are labelled. */
  observe(record: LogRecord, known: KnownModels): void {
    const key = record.virtual_key_id ?? 'none';
    const model = modelLabel(record.model, known);
    const status = String(record.status_code);
    this.requests.inc({ key, model, status, endpoint: record.endpoint });
    this.latency.observe({ key, model, status }, record.latency_ms / 1000);
    if (record.endpoint !== 'messages') return;
    const { usage } = record;
    const add = (type: string, value: number): void => {
      if (value > 0) this.tokens.inc({ key, model, type }, value);
    };
    add('input', usage.input_tokens);
    add('output', usage.output_tokens);
    add('cache_write', usage.cache_creation_input_tokens);
    add('cache_read', usage.cache_read_input_tokens);
    if (record.cost_micros > 0) this.cost.inc({ key, model }, microsToUsd(record.cost_micros));
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
