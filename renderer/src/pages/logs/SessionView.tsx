// One Claude Code session as a timeline: when each request went out, what it cost, and the running
// total, so "where did this session's money go" is answered at a glance.
import { Badge, ErrorBanner, formatPercent, Loading, Money, Stat } from '../../components';
import type { LogRow, SessionTimeline } from '../../stores/logs';
import { cost, duration, fullTime, offset, reasonLabel, STATUS_LABELS, STATUS_TONES, tokensShort } from './format';

export interface SessionViewProps {
  sessionId: string;
  timeline: SessionTimeline | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  selectedId: number | null;
  onOpen: (row: LogRow) => void;
  onRetry: () => void;
  onBack: () => void;
}

export function SessionView({
  sessionId,
  timeline,
  status,
  error,
  selectedId,
  onOpen,
  onRetry,
  onBack,
}: SessionViewProps) {
  return (
    <section className="session" aria-labelledby="session-title">
      <header className="session-header">
        <div>
          <h2 id="session-title">
            <span className="visually-hidden">Session </span>
            <span className="mono">{sessionId}</span>
          </h2>
          {timeline && (
            <p className="muted">
              {fullTime(timeline.first_at)} – {fullTime(timeline.last_at)} ·{' '}
              {duration(Date.parse(timeline.last_at) - Date.parse(timeline.first_at))}
            </p>
          )}
        </div>
        <button type="button" className="link-button" onClick={onBack}>
          ← All requests
        </button>
      </header>
      {status === 'loading' && <Loading label="Loading the session…" />}
      {status === 'error' && <ErrorBanner title="Could not load this session" error={error} onRetry={onRetry} />}
      {timeline && <Timeline timeline={timeline} selectedId={selectedId} onOpen={onOpen} />}
    </section>
  );
}

function Timeline({
  timeline,
  selectedId,
  onOpen,
}: {
  timeline: SessionTimeline;
  selectedId: number | null;
  onOpen: (row: LogRow) => void;
}) {
  const entries = [...timeline.entries].sort((a, b) => a.created_at_ms - b.created_at_ms || a.id - b.id);
  const start = entries[0]?.created_at_ms ?? Date.parse(timeline.first_at);
  const total = Math.max(timeline.cost, entries[entries.length - 1]?.running_cost ?? 0);
  const prompt = timeline.input_tokens + timeline.cache_creation_input_tokens + timeline.cache_read_input_tokens;

  return (
    <>
      <div className="session-stats">
        <Stat label="Cost" value={<Money value={timeline.cost} format="precise" />} />
        <Stat label="Requests" value={timeline.requests.toLocaleString()} />
        <Stat
          label="Prompt tokens"
          value={tokensShort(prompt)}
          detail={`${tokensShort(timeline.output_tokens)} output`}
        />
        <Stat label="Served from cache" value={formatPercent(timeline.cache_read_share)} detail="of prompt tokens" />
      </div>
      <RunningCostChart entries={entries} start={start} total={total} />
      <ol className="session-timeline" aria-label="Requests in this session, oldest first">
        {entries.map((entry) => (
          <li key={entry.id} className={entry.id === selectedId ? 'is-selected' : undefined}>
            <button
              type="button"
              className="session-entry"
              onClick={() => onOpen(entry)}
              aria-current={entry.id === selectedId || undefined}
            >
              <span className="session-offset num" title={fullTime(entry.created_at_ms)}>
                {offset(entry.created_at_ms - start)}
              </span>
              <span className="session-model mono logs-truncate">{entry.model ?? entry.endpoint}</span>
              <span>
                {entry.status === 'success' ? (
                  <span className="muted num">
                    {tokensShort(
                      entry.input_tokens + entry.cache_read_input_tokens + entry.cache_creation_input_tokens,
                    )}{' '}
                    in · {tokensShort(entry.output_tokens)} out
                  </span>
                ) : (
                  <Badge tone={STATUS_TONES[entry.status]}>
                    {entry.refusal_reason
                      ? reasonLabel(entry.refusal_reason)
                      : `${STATUS_LABELS[entry.status]} ${entry.status_code || ''}`}
                  </Badge>
                )}
              </span>
              <span className="session-cost">
                <span className="num">{cost(entry.cost)}</span>
              </span>
              <span className="session-running" aria-label={`Running total ${entry.running_cost.toFixed(4)} dollars`}>
                <span className="session-running-bar" aria-hidden="true">
                  <span style={{ width: `${total > 0 ? (entry.running_cost / total) * 100 : 0}%` }} />
                </span>
                <span className="num">{cost(entry.running_cost)}</span>
              </span>
            </button>
          </li>
        ))}
      </ol>
    </>
  );
}

/** A step line of the running total over the session's wall-clock time. */
function RunningCostChart({
  entries,
  start,
  total,
}: {
  entries: SessionTimeline['entries'];
  start: number;
  total: number;
}) {
  const last = entries[entries.length - 1];
  if (!last || entries.length < 2 || total <= 0) return null;
  const span = Math.max(1, last.created_at_ms - start);
  const width = 600;
  const height = 80;
  const x = (ms: number): number => ((ms - start) / span) * width;
  const y = (cost: number): number => height - (cost / total) * (height - 4);
  let path = `M0,${height}`;
  let previous = 0;
  for (const entry of entries) {
    path += ` L${x(entry.created_at_ms).toFixed(1)},${y(previous).toFixed(1)} L${x(entry.created_at_ms).toFixed(1)},${y(entry.running_cost).toFixed(1)}`;
    previous = entry.running_cost;
  }
  return (
    <figure className="session-chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={`Running cost rising to ${total.toFixed(2)} dollars over ${duration(span)}`}
      >
        <path d={`${path} L${width},${y(previous).toFixed(1)} L${width},${height} Z`} className="session-chart-area" />
        <path
          d={`${path} L${width},${y(previous).toFixed(1)}`}
          className="session-chart-line"
          fill="none"
          vectorEffect="non-scaling-stroke"
        />
      </svg>
      <figcaption className="muted logs-small">Running cost over the session</figcaption>
    </figure>
  );
}
