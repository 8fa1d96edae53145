// Prometheus metrics for GET /metrics, on a registry of the gateway's own (several gateways can share
// a process in tests). Labelled by key id, model and HTTP status, each from a bounded set: a client
// chooses its model id freely, and a label per id would let anyone who can reach the proxy grow the
// registry (and the /metrics answer) without bound. What the listeners refuse below the router, where
// no log row is written, is read from their counts at each scrape, by reason from a fixed set.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FailedKeyAttempts } from '../lan/throttle.js';
import { microsToUsd } from '../pricing/cost.js';
import { parseModelId } from '../pricing/model-id.js';
import type { LogRecord } from '../store/request-log.js';
import type { ConnectionRefusals, ListenerRole } from './server.js';
import type { UpstreamAttempt } from '../../shared/schemas.js';
import type { TelemetrySignal } from './otlp.js';
import type { TelemetryOutcome } from './telemetry.js';
import type { TelemetryForwarder } from './telemetry-forward.js';

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

/** Why a listener refused a connection or request below the router: the `reason` label. */
export type RefusalReason =
  | 'header_too_large'
  | 'chunk_extensions_too_large'
  | 'malformed'
  | 'headers_timeout'
  | 'idle_before_request'
  | 'body_stalled'
  | 'connection_cap';

/** Node's parser codes that have a reason of their own; every other code is `malformed`. */
const PARSER_REASONS: Readonly<Record<string, RefusalReason>> = {
  HPE_HEADER_OVERFLOW: 'header_too_large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 'chunk_extensions_too_large',
};

/** One listener's counts by reason, every reason present (zero when nothing was refused for it). */
export function refusalsByReason(refusals: ConnectionRefusals): Record<RefusalReason, number> {
  const counts: Record<RefusalReason, number> = {
    header_too_large: 0,
    chunk_extensions_too_large: 0,
    malformed: 0,
    headers_timeout: refusals.headersTimedOut,
    idle_before_request: refusals.silentClosed,
    body_stalled: refusals.bodiesStalled,
    connection_cap: refusals.overConnectionCap,
  };
  for (const [code, count] of refusals.malformed) counts[PARSER_REASONS[code] ?? 'malformed'] += count;
  return counts;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'key' | 'model' | 'status' | 'endpoint'>;
  private readonly tokens: Counter<'key' | 'model' | 'type'>;
  private readonly cost: Counter<'key' | 'model'>;
  private readonly latency: Histogram<'key' | 'model' | 'status'>;
  /** The counts each listener keeps (the LAN's listeners share one), read at each scrape. */
  private readonly refusalSources = new Map<ListenerRole, Set<ConnectionRefusals>>();
  private readonly throttleSources = new Set<Pick<FailedKeyAttempts, 'refusedWhileThrottled'>>();
  private readonly telemetry: Counter<'signal' | 'outcome'>;
  private readonly attempts: Counter<'provider' | 'outcome'>;
  private readonly failovers: Counter<'from' | 'to'>;
  private readonly forwarders = new Set<Pick<TelemetryForwarder, 'counts'>>();

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
    const refusalSources = this.refusalSources;
    new Counter({
      name: 'tollgate_connection_refusals_total',
      help: 'Connections and requests a listener refused or cut off before routing them, by listener and reason.',
      labelNames: ['listener', 'reason'],
      registers: [this.registry],
      // The sources are cumulative counts, so setting the total at each scrape keeps the counter monotonic.
      collect() {
        this.reset();
        for (const [listener, sources] of refusalSources) {
          // inc() adds, so several counts under one listener (two loopback servers) sum into one series.
          for (const refusals of sources) {
            for (const [reason, count] of Object.entries(refusalsByReason(refusals)))
              this.inc({ listener, reason }, count);
          }
        }
      },
    });
    this.telemetry = new Counter({
      name: 'tollgate_telemetry_exports_total',
      help: 'OTLP exports signed-in Claude Code sent, by signal and what became of them (kept, no_key, too_large, unreadable, rate_limited, store_failed).',
      labelNames: ['signal', 'outcome'],
      registers: [this.registry],
    });
    this.attempts = new Counter({
      name: 'tollgate_upstream_attempts_total',
      help: 'Attempts at an upstream, by provider and outcome (success, client_error, rate_limited, server_error, connection_error).',
      labelNames: ['provider', 'outcome'],
      registers: [this.registry],
    });
    this.failovers = new Counter({
      name: 'tollgate_upstream_failovers_total',
      help: 'Requests that moved on from the provider first tried, by that provider and the one that served (none: every attempt failed).',
      labelNames: ['from', 'to'],
      registers: [this.registry],
    });
    const forwarders = this.forwarders;
    new Counter({
      name: 'tollgate_telemetry_forwarded_total',
      help: 'OTLP exports sent on to telemetry_forward_url, by signal and outcome (sent, failed, dropped).',
      labelNames: ['signal', 'outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const forwarder of forwarders)
          for (const [name, count] of forwarder.counts) {
            const [signal = '', outcome = ''] = name.split(':');
            this.inc({ signal, outcome }, count);
          }
      },
    });
    const throttleSources = this.throttleSources;
    new Counter({
      name: 'tollgate_throttled_refusals_total',
      help: 'Requests refused because their address was throttled after too many failed keys or admin tokens.',
      registers: [this.registry],
      collect() {
        this.reset();
        for (const attempts of throttleSources) this.inc(attempts.refusedWhileThrottled);
      },
    });
  }

  /**
   * Reports `refusals`, the counts guardListener keeps for a listener, under `listener` at each scrape;
   * the same counts given twice are reported once.
   */
  countRefusals(listener: ListenerRole, refusals: ConnectionRefusals): void {
    const sources = this.refusalSources.get(listener) ?? new Set();
    sources.add(refusals);
    this.refusalSources.set(listener, sources);
  }

  /** Reports the requests refused from throttled addresses (`ctx.keyFailures`) at each scrape. */
  countThrottled(attempts: Pick<FailedKeyAttempts, 'refusedWhileThrottled'>): void {
    this.throttleSources.add(attempts);
  }

  /** Reports what `forwarder` sent on, failed or dropped at each scrape. */
  countForwarded(forwarder: Pick<TelemetryForwarder, 'counts'>): void {
    this.forwarders.add(forwarder);
  }

  /** Counts one attempt at an upstream; provider names are the admin's (a bounded set). */
  upstreamAttempt(attempt: UpstreamAttempt): void {
    const status = attempt.status_code;
    const outcome =
      status === null
        ? 'connection_error'
        : status === 429
          ? 'rate_limited'
          : status >= 500
            ? 'server_error'
            : status >= 400
              ? 'client_error'
              : 'success';
    this.attempts.inc({ provider: attempt.provider, outcome });
  }

  failover(from: string, to: string | null): void {
    this.failovers.inc({ from, to: to ?? 'none' });
  }

  /** Counts an OTLP export received; both labels come from fixed sets. */
  telemetryReceived(signal: TelemetrySignal, outcome: TelemetryOutcome): void {
    this.telemetry.inc({ signal, outcome });
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
