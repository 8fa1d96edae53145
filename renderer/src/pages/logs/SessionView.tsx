// One Claude Code session as a timeline: when each request went out, what it cost, and the running
// total, so "where did this session's money go" is answered at a glance. With Claude Code's telemetry,
// also what the agent did between the requests (prompts, tool decisions and results), its own totals
// (its cost beside Tollgate's, lines changed, commits, pull requests, active time) and the requests
// and cost per subagent.
import { Badge, Button, ErrorBanner, formatCount, formatPercent, Loading, Money, Stat } from '../../components';
import type { LogRow, SessionActivity, SessionEvent, SessionTimeline } from '../../stores/logs';
import {
  cost,
  costExact,
  duration,
  fullTime,
  offset,
  reasonLabel,
  shortId,
  STATUS_LABELS,
  STATUS_TONES,
  tokensShort,
} from './format';
import {
  activeTime,
  booleanOf,
  costsDiffer,
  decisionLabel,
  decisionSource,
  groupByAgent,
  hasSubagents,
  interleave,
  numberOf,
  textOf,
  type AgentGroup,
  type TimelineEntry,
} from './session-activity';

type Load = 'idle' | 'loading' | 'ready' | 'error';

export interface SessionViewProps {
  sessionId: string;
  timeline: SessionTimeline | null;
  status: Load;
  error: string | null;
  /** Claude Code's telemetry for the session: loaded beside the timeline, failing on its own. */
  activity?: SessionActivity | null;
  activityStatus?: Load;
  activityError?: string | null;
  activityLoadingMore?: boolean;
  selectedId: number | null;
  onOpen: (row: LogRow) => void;
  onRetry: () => void;
  onRetryActivity?: () => void;
  onMoreActivity?: () => void;
  onBack: () => void;
}

export function SessionView({
  sessionId,
  timeline,
  status,
  error,
  activity = null,
  activityStatus = 'idle',
  activityError = null,
  activityLoadingMore = false,
  selectedId,
  onOpen,
  onRetry,
  onRetryActivity,
  onMoreActivity,
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
      {timeline && (
        <Timeline
          timeline={timeline}
          activity={activity?.session_id === sessionId ? activity : null}
          activityStatus={activityStatus}
          activityError={activityError}
          activityLoadingMore={activityLoadingMore}
          selectedId={selectedId}
          onOpen={onOpen}
          onRetryActivity={onRetryActivity}
          onMoreActivity={onMoreActivity}
        />
      )}
    </section>
  );
}

function Timeline({
  timeline,
  activity,
  activityStatus,
  activityError,
  activityLoadingMore,
  selectedId,
  onOpen,
  onRetryActivity,
  onMoreActivity,
}: {
  timeline: SessionTimeline;
  activity: SessionActivity | null;
  activityStatus: Load;
  activityError: string | null;
  activityLoadingMore: boolean;
  selectedId: number | null;
  onOpen: (row: LogRow) => void;
  onRetryActivity?: () => void;
  onMoreActivity?: () => void;
}) {
  const entries = [...timeline.entries].sort((a, b) => a.created_at_ms - b.created_at_ms || a.id - b.id);
  const items = interleave(entries, activity?.events ?? []);
  const start = Math.min(entries[0]?.created_at_ms ?? Date.parse(timeline.first_at), items[0]?.at ?? Infinity);
  const total = Math.max(timeline.cost, entries[entries.length - 1]?.running_cost ?? 0);
  const prompt = timeline.input_tokens + timeline.cache_creation_input_tokens + timeline.cache_read_input_tokens;
  const agents = hasSubagents(entries) ? groupByAgent(entries) : null;
  const lastEvent = activity?.events[activity.events.length - 1];

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
      {activityStatus === 'loading' && <Loading label="Loading what the agent did…" />}
      {activityStatus === 'error' && (
        <ErrorBanner title="Could not load Claude Code's telemetry" error={activityError} onRetry={onRetryActivity} />
      )}
      {activity && <AgentSummary summary={activity.summary} timeline={timeline} entries={entries} />}
      {agents && <AgentTable agents={agents} total={timeline.cost} />}
      <RunningCostChart entries={entries} start={start} total={total} />
      <ol
        className="session-timeline"
        aria-label={
          activity && activity.events.length > 0
            ? 'Requests and what the agent did in this session, oldest first'
            : 'Requests in this session, oldest first'
        }
      >
        {items.map((item) =>
          item.kind === 'request' ? (
            <RequestItem
              key={`r${item.entry.id}`}
              entry={item.entry}
              start={start}
              total={total}
              agents={agents !== null}
              selected={item.entry.id === selectedId}
              onOpen={onOpen}
            />
          ) : (
            <EventItem key={`e${item.event.id}`} event={item.event} start={start} />
          ),
        )}
      </ol>
      {activity?.has_more && (
        <div className="session-more">
          <span className="muted logs-small">
            Claude Code&apos;s activity is shown up to{' '}
            {lastEvent ? fullTime(lastEvent.created_at_ms) : 'the first page'}.
          </span>
          {activityStatus === 'ready' && activityError && (
            <span className="logs-small session-more-error" role="alert">
              Could not load more: {activityError}
            </span>
          )}
          <Button size="sm" busy={activityLoadingMore} disabled={activityLoadingMore} onClick={onMoreActivity}>
            Load more activity
          </Button>
        </div>
      )}
    </>
  );
}

/** The whole session as Claude Code's telemetry tells it, whatever page of events is loaded. */
function AgentSummary({
  summary,
  timeline,
  entries,
}: {
  summary: SessionActivity['summary'];
  timeline: SessionTimeline;
  entries: readonly TimelineEntry[];
}) {
  if (summary.events === 0) {
    return (
      <section className="session-activity" aria-labelledby="session-activity-title">
        <h3 id="session-activity-title">What the agent did</h3>
        <p className="muted logs-small">
          Claude Code sent no telemetry for this session. A Claude Code signed in to this gateway with /login exports
          its events (prompts, tool calls, its own cost) and metrics (lines changed, commits, pull requests) here, with
          the telemetry settings the sign-in snippet puts in its <span className="mono">env</span>.
        </p>
      </section>
    );
  }
  const differs = summary.api_requests > 0 && costsDiffer(summary.client_cost, timeline.cost);
  const differing = entries.filter((entry) => entry.client_cost_differs).length;
  return (
    <section className="session-activity" aria-labelledby="session-activity-title">
      <h3 id="session-activity-title">What the agent did</h3>
      <div className="session-stats">
        <Stat
          label="Claude Code's cost"
          value={summary.api_requests > 0 ? <Money value={summary.client_cost} format="precise" /> : '—'}
          detail={
            <span className="session-reconcile">
              <span title={costExact(timeline.cost)}>Tollgate {cost(timeline.cost)}</span>
              {differs && (
                <Badge
                  tone="warning"
                  title={`Claude Code counts ${costExact(summary.client_cost)}, Tollgate ${costExact(timeline.cost)}`}
                >
                  differs
                </Badge>
              )}
              {differing > 0 && (
                <span>
                  {formatCount(differing)} request{differing === 1 ? '' : 's'} differ{differing === 1 ? 's' : ''}
                </span>
              )}
            </span>
          }
        />
        <Stat
          label="Lines changed"
          value={
            <>
              <span className="session-added">+{formatCount(summary.lines_added)}</span>{' '}
              <span className="session-removed">−{formatCount(summary.lines_removed)}</span>
            </>
          }
          detail="added · removed"
        />
        <Stat label="Commits" value={formatCount(summary.commits)} />
        <Stat label="Pull requests" value={formatCount(summary.pull_requests)} />
        <Stat label="Active time" value={activeTime(summary.active_time_seconds)} />
        <Stat label="Prompts" value={formatCount(summary.prompts)} />
        <Stat
          label="Tool calls"
          value={formatCount(summary.tool_results)}
          detail={summary.tool_failures > 0 ? `${formatCount(summary.tool_failures)} failed` : 'none failed'}
        />
      </div>
    </section>
  );
}

/** Requests and cost per (sub)agent, each under the agent that started it. */
function AgentTable({ agents, total }: { agents: readonly AgentGroup[]; total: number }) {
  const anyClientCost = agents.some((agent) => agent.clientCost !== null);
  return (
    <section className="session-agents" aria-labelledby="session-agents-title">
      <h3 id="session-agents-title">By agent</h3>
      <table className="logs-breakdown" aria-labelledby="session-agents-title">
        <thead>
          <tr>
            <th scope="col">Agent</th>
            <th scope="col">Started by</th>
            <th scope="col" className="end">
              Requests
            </th>
            <th scope="col" className="end">
              Cost
            </th>
            {anyClientCost && (
              <th scope="col" className="end">
                Claude Code&apos;s cost
              </th>
            )}
            <th scope="col" className="end">
              Share
            </th>
          </tr>
        </thead>
        <tbody>
          {agents.map((agent) => (
            <tr key={agent.agentId ?? ''}>
              <th scope="row" title={agent.agentId ?? 'Requests without an agent id'}>
                <span className="session-agent-name" style={{ paddingLeft: `${agent.depth * 1.25}rem` }}>
                  {agent.depth > 0 && (
                    <span className="muted" aria-hidden="true">
                      ↳{' '}
                    </span>
                  )}
                  {agentLabel(agent.agentId)}
                </span>
              </th>
              <td>
                {agent.agentId === null ? (
                  <span className="muted">—</span>
                ) : (
                  <span className={agent.parentId === null ? undefined : 'mono'} title={agent.parentId ?? undefined}>
                    {agent.parentId === null ? 'Main agent' : shortId(agent.parentId)}
                  </span>
                )}
              </td>
              <td className="end num">{formatCount(agent.requests)}</td>
              <td className="end num" title={costExact(agent.cost)}>
                {cost(agent.cost)}
              </td>
              {anyClientCost && (
                <td className="end num">
                  {agent.clientCost === null ? (
                    <span className="muted">—</span>
                  ) : (
                    <>
                      <span title={costExact(agent.clientCost)}>{cost(agent.clientCost)}</span>
                      {agent.differing > 0 && (
                        <>
                          {' '}
                          <Badge
                            tone="warning"
                            title={`${agent.differing} of this agent's requests: Claude Code's cost differs from Tollgate's`}
                          >
                            differs
                          </Badge>
                        </>
                      )}
                    </>
                  )}
                </td>
              )}
              <td className="end num">{formatPercent(total > 0 ? agent.cost / total : 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** `Main agent` for requests without an agent id, else the id shortened. */
export function agentLabel(agentId: string | null): string {
  return agentId === null ? 'Main agent' : `Agent ${shortId(agentId)}`;
}

function RequestItem({
  entry,
  start,
  total,
  agents,
  selected,
  onOpen,
}: {
  entry: TimelineEntry;
  start: number;
  total: number;
  /** The session has subagents: say which agent sent each request. */
  agents: boolean;
  selected: boolean;
  onOpen: (row: LogRow) => void;
}) {
  return (
    <li className={selected ? 'is-selected' : undefined}>
      <button
        type="button"
        className="session-entry"
        onClick={() => onOpen(entry)}
        aria-current={selected || undefined}
      >
        <span className="session-offset num" title={fullTime(entry.created_at_ms)}>
          {offset(entry.created_at_ms - start)}
        </span>
        <span className="session-model logs-truncate">
          {agents && (
            <span className="session-agent" title={entry.agent_id ?? 'The main agent'}>
              {agentLabel(entry.agent_id)}
            </span>
          )}
          <span className="mono">{entry.model ?? entry.endpoint}</span>
        </span>
        <span>
          {entry.status === 'success' ? (
            <span className="muted num">
              {tokensShort(entry.input_tokens + entry.cache_read_input_tokens + entry.cache_creation_input_tokens)} in ·{' '}
              {tokensShort(entry.output_tokens)} out
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
          <span
            className="num"
            title={
              entry.client_cost === null
                ? costExact(entry.cost)
                : `Tollgate ${costExact(entry.cost)} · Claude Code's own cost ${costExact(entry.client_cost)}`
            }
          >
            {cost(entry.cost)}
          </span>
          {entry.client_cost_differs && (
            <span className="logs-differs" aria-label="Claude Code's cost differs">
              ≠
            </span>
          )}
        </span>
        <span className="session-running" aria-label={`Running total ${entry.running_cost.toFixed(4)} dollars`}>
          <span className="session-running-bar" aria-hidden="true">
            <span style={{ width: `${total > 0 ? (entry.running_cost / total) * 100 : 0}%` }} />
          </span>
          <span className="num">{cost(entry.running_cost)}</span>
        </span>
      </button>
    </li>
  );
}

/** One thing the agent did between requests, as its telemetry says. */
function EventItem({ event, start }: { event: SessionEvent; start: number }) {
  return (
    <li className={`session-event session-event-${event.name.replaceAll('_', '-')}`}>
      <span className="session-offset num" title={fullTime(event.created_at_ms)}>
        {offset(event.created_at_ms - start)}
      </span>
      <span className="session-event-body">
        <EventBody event={event} />
      </span>
    </li>
  );
}

function EventBody({ event }: { event: SessionEvent }) {
  const tool = event.tool_name ?? textOf(event, 'tool_name');
  const took = numberOf(event, 'duration_ms');
  const target = textOf(event, 'command') ?? textOf(event, 'file');
  switch (event.name) {
    case 'user_prompt': {
      const length = numberOf(event, 'prompt_length');
      const text = textOf(event, 'prompt');
      return (
        <>
          <span className="session-event-kind">Prompt</span>
          <span className="muted">
            {length === null ? 'length not sent' : `${formatCount(length)} character${length === 1 ? '' : 's'}`}
          </span>
          {text && (
            <q className="session-prompt" title={text}>
              {text}
            </q>
          )}
        </>
      );
    }
    case 'tool_decision': {
      const decision = decisionLabel(textOf(event, 'decision'));
      const source = decisionSource(textOf(event, 'source'));
      return (
        <>
          <span className="session-event-kind">Tool decision</span>
          <span className="mono">{tool ?? 'a tool'}</span>
          <Badge tone={decision.tone}>{decision.label}</Badge>
          {source && <span className="muted">{source}</span>}
          {target && (
            <span className="mono session-event-target logs-truncate" title={target}>
              {target}
            </span>
          )}
        </>
      );
    }
    case 'tool_result': {
      const success = booleanOf(event, 'success');
      const failure = textOf(event, 'error');
      return (
        <>
          <span className="session-event-kind">Tool</span>
          <span className="mono">{tool ?? 'a tool'}</span>
          {success === null ? (
            <Badge>ran</Badge>
          ) : success ? (
            <Badge tone="success">succeeded</Badge>
          ) : (
            <Badge tone="danger" title={failure ?? undefined}>
              failed
            </Badge>
          )}
          {took !== null && <span className="muted num">{duration(took)}</span>}
          {target && (
            <span className="mono session-event-target logs-truncate" title={target}>
              {target}
            </span>
          )}
          {success === false && failure && (
            <span className="session-event-error logs-truncate" title={failure}>
              {failure}
            </span>
          )}
        </>
      );
    }
    case 'api_error': {
      const status = numberOf(event, 'status_code');
      const attempt = numberOf(event, 'attempt');
      const failure = textOf(event, 'error');
      return (
        <>
          <span className="session-event-kind">API error</span>
          <Badge tone="danger">{status === null ? 'error' : `HTTP ${status}`}</Badge>
          {event.model && <span className="mono">{event.model}</span>}
          {attempt !== null && <span className="muted">attempt {formatCount(attempt)}</span>}
          {failure && (
            <span className="session-event-error logs-truncate" title={failure}>
              {failure}
            </span>
          )}
        </>
      );
    }
    case 'api_request':
      // Only those Tollgate has no request for get here (the others are folded into their request).
      return (
        <>
          <span className="session-event-kind">Claude Code request</span>
          {event.model && <span className="mono">{event.model}</span>}
          {event.client_cost !== null && (
            <span className="num" title={costExact(event.client_cost)}>
              {cost(event.client_cost)}
            </span>
          )}
          <span className="muted">not in Tollgate&apos;s log{took !== null ? ` · ${duration(took)}` : ''}</span>
        </>
      );
    default:
      return <span className="session-event-kind">{event.name}</span>;
  }
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
