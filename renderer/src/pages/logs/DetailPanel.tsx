// One request in full: what it cost and why (tokens × the price version it was charged at, and per
// model and step when the request ran steps its top-level usage does not show), how long it took, who
// sent it, the conversation as a reader would want it, and the raw JSON underneath.
import { useEffect, useRef, useState } from 'react';
import type { ModelUsage } from '../../../../shared/schemas';
import { Badge, Button, CopyButton, ErrorBanner, formatCount, formatUsd, Loading } from '../../components';
import type { LogDetail, LogRow } from '../../stores/logs';
import type { PricedModel, PriceVersion } from '../../stores/pricing';
import { Conversation } from './Conversation';
import {
  bytes,
  costExact,
  duration,
  estimateReason,
  fullTime,
  modelUsageNote,
  promptTokens,
  reasonLabel,
  shortModel,
  STATUS_LABELS,
  STATUS_TONES,
  stepsLabel,
  tokens,
  tokensShort,
} from './format';

export interface DetailPanelProps {
  row: LogRow | null;
  detail: LogDetail | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  pricing: PricedModel[];
  names: { key: string | null; team: string | null; user: string | null };
  onClose: () => void;
  onRetry: () => void;
  onSession: (sessionId: string) => void;
}

export function DetailPanel({
  row,
  detail,
  status,
  error,
  pricing,
  names,
  onClose,
  onRetry,
  onSession,
}: DetailPanelProps) {
  const heading = useRef<HTMLHeadingElement>(null);
  const log = detail?.log ?? row;
  const logId = log?.id;

  useEffect(() => {
    heading.current?.focus();
  }, [logId]);

  return (
    <aside
      className="logs-detail"
      aria-labelledby="logs-detail-title"
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <header className="logs-detail-header">
        <div>
          <h2 id="logs-detail-title" ref={heading} tabIndex={-1}>
            {log ? (log.model ?? log.endpoint) : 'Request'}
          </h2>
          {log && (
            <p className="muted">
              <time dateTime={log.timestamp}>{fullTime(log.created_at_ms)}</time> · #{log.id}
            </p>
          )}
        </div>
        <Button variant="ghost" size="sm" aria-label="Close request detail" onClick={onClose}>
          ×
        </Button>
      </header>
      <div className="logs-detail-body">
        {status === 'error' && <ErrorBanner title="Could not load this request" error={error} onRetry={onRetry} />}
        {log && <Summary log={log} pricing={pricing} names={names} onSession={onSession} />}
        {status === 'loading' && <Loading label="Loading the conversation…" />}
        {status === 'ready' && detail && <Content detail={detail} />}
      </div>
    </aside>
  );
}

function Summary({
  log,
  pricing,
  names,
  onSession,
}: {
  log: LogRow;
  pricing: PricedModel[];
  names: DetailPanelProps['names'];
  onSession: (id: string) => void;
}) {
  const itemised = log.usage_by_model.length > 0;
  const version = findVersion(pricing, log.price_version);
  const rates = version ? ratesFor(version, promptTokens(log)) : null;
  const lines: { label: string; count: number; rate: number | null }[] = [
    { label: 'Input', count: log.input_tokens, rate: rates?.input ?? null },
    {
      label: 'Cache write 5m',
      count:
        log.cache_creation_5m_input_tokens ||
        (log.cache_creation_1h_input_tokens ? 0 : log.cache_creation_input_tokens),
      rate: rates?.cache_write_5m ?? null,
    },
    { label: 'Cache write 1h', count: log.cache_creation_1h_input_tokens, rate: rates?.cache_write_1h ?? null },
    { label: 'Cache read', count: log.cache_read_input_tokens, rate: rates?.cache_read ?? null },
    { label: 'Output', count: log.output_tokens, rate: rates?.output ?? null },
  ];
  const ttfbShare = log.ttfb_ms !== null && log.latency_ms > 0 ? Math.min(1, log.ttfb_ms / log.latency_ms) : null;

  return (
    <>
      <div className="logs-detail-badges">
        <Badge tone={STATUS_TONES[log.status]}>
          {STATUS_LABELS[log.status]} {log.status_code || ''}
        </Badge>
        {log.refusal_reason && <Badge tone="warning">{reasonLabel(log.refusal_reason)}</Badge>}
        {log.stream && <Badge>streamed</Badge>}
        {log.cost_estimated && (
          <Badge tone="info" title={estimateReason(log)}>
            estimated cost
          </Badge>
        )}
      </div>

      {log.status === 'interrupted' ? (
        <div className="banner banner-warning">
          <div className="banner-text">
            <strong>Interrupted: the gateway stopped</strong>
            <span>
              Tollgate stopped (a crash, or the process was killed) while this request was in flight; this row was
              written when it started again.{log.error_message ? ` ${log.error_message}` : ''}
            </span>
          </div>
        </div>
      ) : (
        (log.error_message || log.error_type) && (
          <div className={`banner ${log.status === 'blocked' ? 'banner-warning' : 'banner-danger'}`}>
            <div className="banner-text">
              <strong>{log.error_type ?? 'Error'}</strong>
              <span>{log.error_message}</span>
            </div>
          </div>
        )
      )}

      <section className="logs-detail-section" aria-labelledby="detail-cost">
        <h3 id="detail-cost">Cost</h3>
        <div className="logs-detail-total">
          <span className="num" title="To the micro-dollar, as budgets count it">
            {costExact(log.cost)}
          </span>
          <span className="muted">
            {log.price_version ? (
              <>
                priced at <span className="mono">{log.price_version}</span>
              </>
            ) : (
              'no price applied'
            )}
          </span>
        </div>
        {log.client_cost !== null && <ClientCost log={log} clientCost={log.client_cost} />}
        {itemised && <ModelBreakdown usage={log.usage_by_model} />}
        {itemised && (
          <div className="logs-model-usage">
            <h4 id="detail-top-level">Top-level usage</h4>
            <p className="muted logs-small">What the API reports as the request's usage: its message steps only.</p>
          </div>
        )}
        <table className="logs-breakdown" aria-labelledby={itemised ? 'detail-top-level' : undefined}>
          {!itemised && <caption className="visually-hidden">Tokens and what each kind cost</caption>}
          <thead>
            <tr>
              <th scope="col">Tokens</th>
              <th scope="col" className="end">
                Count
              </th>
              {!itemised && (
                <>
                  <th scope="col" className="end">
                    $ / MTok
                  </th>
                  <th scope="col" className="end">
                    Cost
                  </th>
                </>
              )}
            </tr>
          </thead>
          <tbody>
            {lines.map((line) => (
              <tr key={line.label} className={line.count === 0 ? 'is-zero' : undefined}>
                <th scope="row">{line.label}</th>
                <td className="end num">{tokens(line.count)}</td>
                {!itemised && (
                  <>
                    <td className="end num">{line.rate === null ? '—' : formatUsd(line.rate, 'precise')}</td>
                    <td className="end num">
                      {line.rate === null ? '—' : costExact((line.count * line.rate) / 1_000_000)}
                    </td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
        {!version && log.price_version && (
          <p className="muted logs-small">
            The price version is no longer in the table, so the per-kind split is not shown.
          </p>
        )}
        {(log.web_search_requests > 0 || log.web_fetch_requests > 0) && (
          <dl className="logs-facts">
            {log.web_search_requests > 0 && (
              <>
                <dt>Web searches</dt>
                <dd className="num">{formatCount(log.web_search_requests)}</dd>
              </>
            )}
            {log.web_fetch_requests > 0 && (
              <>
                <dt>Web fetches</dt>
                <dd className="num">{formatCount(log.web_fetch_requests)}</dd>
              </>
            )}
          </dl>
        )}
      </section>

      <section className="logs-detail-section" aria-labelledby="detail-timing">
        <h3 id="detail-timing">Timing</h3>
        <dl className="logs-facts">
          <dt>First byte</dt>
          <dd className="num">{duration(log.ttfb_ms)}</dd>
          <dt>Total</dt>
          <dd className="num">{duration(log.latency_ms)}</dd>
        </dl>
        {ttfbShare !== null && (
          <div
            className="logs-timing"
            role="img"
            aria-label={`Waiting ${duration(log.ttfb_ms)}, then receiving for ${duration(log.latency_ms - (log.ttfb_ms ?? 0))}`}
          >
            <span className="logs-timing-wait" style={{ width: `${ttfbShare * 100}%` }} />
            <span className="logs-timing-body" />
          </div>
        )}
      </section>

      <section className="logs-detail-section" aria-labelledby="detail-request">
        <h3 id="detail-request">Request</h3>
        <dl className="logs-facts">
          <dt>Key</dt>
          <dd>{log.virtual_key_name ?? names.key ?? <span className="muted">none</span>}</dd>
          {(names.team ?? log.team_id) && (
            <>
              <dt>Team</dt>
              <dd>{names.team ?? log.team_id}</dd>
            </>
          )}
          {(names.user ?? log.user_id) && (
            <>
              <dt>User</dt>
              <dd>{names.user ?? log.user_id}</dd>
            </>
          )}
          <dt>Session</dt>
          <dd>
            {log.session_id ? (
              <button type="button" className="link-button mono" onClick={() => onSession(log.session_id ?? '')}>
                {log.session_id}
              </button>
            ) : (
              <span className="muted">none</span>
            )}
          </dd>
          {log.requested_model && log.requested_model !== log.model && (
            <>
              <dt>Asked for</dt>
              <dd className="mono">{log.requested_model}</dd>
            </>
          )}
          <dt>Endpoint</dt>
          <dd className="mono">
            {log.method} {log.path}
          </dd>
          {log.client && (
            <>
              <dt>Client</dt>
              <dd>{log.client}</dd>
            </>
          )}
          {log.stop_reason && (
            <>
              <dt>Stop reason</dt>
              <dd className="mono">{log.stop_reason}</dd>
            </>
          )}
          {log.tool_names.length > 0 && (
            <>
              <dt>Tools called</dt>
              <dd className="mono">{log.tool_names.join(', ')}</dd>
            </>
          )}
          {log.removed_tools.length > 0 && (
            <>
              <dt>Tools removed</dt>
              <dd className="mono">{log.removed_tools.join(', ')}</dd>
            </>
          )}
          <dt>Size</dt>
          <dd className="num">
            {bytes(log.request_bytes)} sent · {bytes(log.response_bytes)} received
          </dd>
          <dt>Request id</dt>
          <dd className="mono logs-id" title={log.request_id}>
            {log.request_id}
          </dd>
          {log.upstream_request_id && (
            <>
              <dt>Anthropic id</dt>
              <dd className="mono logs-id" title={log.upstream_request_id}>
                {log.upstream_request_id}
              </dd>
            </>
          )}
        </dl>
      </section>
    </>
  );
}

/** Claude Code's own cost for the request (from its telemetry) beside Tollgate's: reconciliation. */
function ClientCost({ log, clientCost }: { log: LogRow; clientCost: number }) {
  const difference = clientCost - log.cost;
  return (
    <p className={log.client_cost_differs ? 'logs-client-cost is-different' : 'logs-client-cost'}>
      <span>
        Claude Code&apos;s own cost:{' '}
        <span className="num" title="From the api_request event Claude Code's telemetry sent for this request">
          {costExact(clientCost)}
        </span>
      </span>
      {log.client_cost_differs ? (
        <>
          <Badge
            tone="warning"
            title="Further apart than rounding: check the price table against what Claude Code assumes"
          >
            differs
          </Badge>
          <span className="muted">
            {difference > 0 ? '+' : '−'}
            {costExact(Math.abs(difference))} against Tollgate&apos;s
          </span>
        </>
      ) : (
        <span className="muted">agrees with Tollgate&apos;s</span>
      )}
    </p>
  );
}

/** Usage and cost per model and step, for a request whose usage.iterations billed steps the top-level usage leaves out. */
function ModelBreakdown({ usage }: { usage: readonly ModelUsage[] }) {
  const totalMicros = usage.reduce((sum, part) => sum + part.cost_micros, 0);
  return (
    <div className="logs-model-usage">
      <h4 id="detail-by-model">By model and step</h4>
      <p className="muted logs-small">{modelUsageNote(usage)}</p>
      {/* Focusable so a keyboard can scroll the columns a narrow panel cuts off. */}
      <div className="logs-scroll-x" tabIndex={0} role="group" aria-label="By model and step, scrolls sideways">
        <table className="logs-breakdown" aria-labelledby="detail-by-model">
          <thead>
            <tr>
              <th scope="col">Model</th>
              <th scope="col">Steps</th>
              <th scope="col" className="end">
                Cost
              </th>
              <th scope="col" className="end">
                Input
              </th>
              <th scope="col" className="end">
                Output
              </th>
              <th scope="col" className="end">
                Cache write
              </th>
              <th scope="col" className="end">
                Cache read
              </th>
            </tr>
          </thead>
          <tbody>
            {usage.map((part, index) => (
              <tr key={`${part.model}:${index}`}>
                <th scope="row" className="mono" title={part.price_version ?? part.model}>
                  {shortModel(part.model)}
                </th>
                <td>{stepsLabel(part.iteration_types)}</td>
                <td className="end num" title={costExact(part.cost)}>
                  {formatUsd(part.cost, 'precise')}
                </td>
                <td className="end num" title={tokens(part.input_tokens)}>
                  {tokensShort(part.input_tokens)}
                </td>
                <td className="end num" title={tokens(part.output_tokens)}>
                  {tokensShort(part.output_tokens)}
                </td>
                <td className="end num" title={cacheWriteSplit(part)}>
                  {tokensShort(part.cache_creation_input_tokens)}
                </td>
                <td className="end num" title={tokens(part.cache_read_input_tokens)}>
                  {tokensShort(part.cache_read_input_tokens)}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total
              </th>
              <td className="end num" title={costExact(totalMicros / 1_000_000)}>
                {formatUsd(totalMicros / 1_000_000, 'precise')}
              </td>
              <td colSpan={4} />
            </tr>
          </tfoot>
        </table>
      </div>
    </div>
  );
}

function cacheWriteSplit(part: ModelUsage): string {
  const total = tokens(part.cache_creation_input_tokens);
  if (part.cache_creation_5m_input_tokens === 0 && part.cache_creation_1h_input_tokens === 0) return total;
  return `${total}: ${tokens(part.cache_creation_5m_input_tokens)} for 5 minutes, ${tokens(part.cache_creation_1h_input_tokens)} for 1 hour`;
}

function Content({ detail }: { detail: LogDetail }) {
  const captured = detail.request !== null || detail.response !== null;
  return (
    <>
      <section className="logs-detail-section" aria-labelledby="detail-conversation">
        <h3 id="detail-conversation">Conversation</h3>
        {captured ? (
          <Conversation request={detail.request} response={detail.response} />
        ) : (
          <p className="muted">
            The content of this request was not captured. Content capture is set per key and in Settings; with it off,
            the log keeps tokens, cost and timings only.
          </p>
        )}
      </section>
      {captured && (
        <section className="logs-detail-section" aria-labelledby="detail-raw">
          <h3 id="detail-raw">Raw JSON</h3>
          <RawJson label="Request body" value={detail.request} />
          <RawJson label="Response" value={detail.response} />
        </section>
      )}
    </>
  );
}

/** Collapsed until opened, and only then serialised: a captured request can be megabytes. */
function RawJson({ label, value }: { label: string; value: unknown }) {
  const [open, setOpen] = useState(false);
  const text = open ? (JSON.stringify(value, null, 2) ?? 'null') : '';
  return (
    <details className="convo-fold" onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>{label}</summary>
      {open && (
        <div className="logs-raw">
          <div className="logs-raw-actions">
            <CopyButton text={text} label={`Copy ${label.toLowerCase()} JSON`} />
          </div>
          <pre className="logs-code" tabIndex={0} aria-label={`${label} JSON`}>
            {text}
          </pre>
        </div>
      )}
    </details>
  );
}

/** The price version a row was charged at, from its label (`model@2026-09-01`, `model@override-12`). */
export function findVersion(models: PricedModel[], label: string | null): PriceVersion | null {
  if (!label) return null;
  for (const model of models) {
    for (const version of [model.current, ...model.history]) {
      const name =
        version.source === 'override'
          ? `${version.model}@override-${version.id}`
          : `${version.model}@${version.effective_from.slice(0, 10)}`;
      if (name === label) return version;
    }
  }
  return null;
}

/** The band a prompt of this size is charged at (every token of the request moves up together). */
function ratesFor(version: PriceVersion, prompt: number): Omit<PriceVersion['bands'][number], 'above_prompt_tokens'> {
  let chosen: Omit<PriceVersion['bands'][number], 'above_prompt_tokens'> = version;
  let threshold = -1;
  for (const band of version.bands) {
    if (prompt > band.above_prompt_tokens && band.above_prompt_tokens > threshold) {
      chosen = band;
      threshold = band.above_prompt_tokens;
    }
  }
  return chosen;
}
