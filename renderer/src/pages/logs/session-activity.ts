// What a session's requests and Claude Code's telemetry say together: the requests and the agent's
// events (prompts, tool decisions and results) in one time-ordered list, the requests and cost per
// (sub)agent, and whether Claude Code's cost and Tollgate's agree.
import type { SessionEvent, SessionTimeline } from '../../stores/logs';

export type TimelineEntry = SessionTimeline['entries'][number];

export type TimelineItem =
  { kind: 'request'; at: number; entry: TimelineEntry } | { kind: 'event'; at: number; event: SessionEvent };

/** Events a reader follows the agent by; metric points only count towards the summary. */
const SHOWN_EVENTS = new Set(['user_prompt', 'tool_decision', 'tool_result', 'api_request', 'api_error']);

/**
 * The requests and the session's events in time order. An `api_request` event is Claude Code's own
 * record of a request: the one whose request id is a request's upstream id is folded into that
 * request (the row already carries its cost as `client_cost`); only those Tollgate has no request
 * for are listed. On the same millisecond an event goes first: the prompt comes before the request
 * it sends.
 */
export function interleave(entries: readonly TimelineEntry[], events: readonly SessionEvent[]): TimelineItem[] {
  const upstreamIds = new Set(entries.map((entry) => entry.upstream_request_id).filter((id) => id !== null));
  const items: TimelineItem[] = [
    ...entries.map((entry): TimelineItem => ({ kind: 'request', at: entry.created_at_ms, entry })),
    ...events
      .filter((event) => event.kind === 'event' && SHOWN_EVENTS.has(event.name))
      .filter(
        (event) => !(event.name === 'api_request' && event.request_id !== null && upstreamIds.has(event.request_id)),
      )
      .map((event): TimelineItem => ({ kind: 'event', at: event.created_at_ms, event })),
  ];
  const rank = (item: TimelineItem): number => (item.kind === 'event' ? 0 : 1);
  const id = (item: TimelineItem): number => (item.kind === 'event' ? item.event.id : item.entry.id);
  return items.sort((a, b) => a.at - b.at || rank(a) - rank(b) || id(a) - id(b));
}

export interface AgentGroup {
  /** Claude Code's x-claude-code-agent-id; null for the main agent (requests without one). */
  agentId: string | null;
  /** The agent that started this one, as its requests say (the first that says so). */
  parentId: string | null;
  /** How deep in the tree of agents this session's requests show: 0 for the roots. */
  depth: number;
  requests: number;
  /** Tollgate's cost, USD. */
  cost: number;
  /** Claude Code's own cost over the requests that have one, USD; null when none has. */
  clientCost: number | null;
  /** Requests whose two costs disagree. */
  differing: number;
  firstAt: number;
}

/**
 * The session's requests and cost per agent, as a tree: each agent under the one that started it
 * when that agent sent requests too, otherwise under the main agent (the requests without an agent
 * id, which Claude Code's main loop sends); siblings by first request.
 */
export function groupByAgent(entries: readonly TimelineEntry[]): AgentGroup[] {
  const groups = new Map<string | null, AgentGroup>();
  const sorted = [...entries].sort((a, b) => a.created_at_ms - b.created_at_ms || a.id - b.id);
  for (const entry of sorted) {
    const key = entry.agent_id;
    let group = groups.get(key);
    if (!group) {
      group = {
        agentId: key,
        parentId: null,
        depth: 0,
        requests: 0,
        cost: 0,
        clientCost: null,
        differing: 0,
        firstAt: entry.created_at_ms,
      };
      groups.set(key, group);
    }
    group.requests += 1;
    group.cost += entry.cost;
    if (entry.client_cost !== null) group.clientCost = (group.clientCost ?? 0) + entry.client_cost;
    if (entry.client_cost_differs) group.differing += 1;
    if (group.parentId === null && key !== null && entry.parent_agent_id !== null && entry.parent_agent_id !== key) {
      group.parentId = entry.parent_agent_id;
    }
  }

  const children = new Map<string | null, AgentGroup[]>();
  const roots: AgentGroup[] = [];
  for (const group of groups.values()) {
    // A subagent whose parent sent no requests of its own (or that names none) hangs under the main agent.
    const parent =
      group.parentId !== null && groups.has(group.parentId)
        ? group.parentId
        : group.agentId !== null && groups.has(null)
          ? null
          : undefined;
    if (parent === undefined) {
      roots.push(group);
      continue;
    }
    const list = children.get(parent) ?? [];
    list.push(group);
    children.set(parent, list);
  }
  const order = (list: AgentGroup[]): AgentGroup[] =>
    list.sort((a, b) => (a.agentId === null ? -1 : b.agentId === null ? 1 : a.firstAt - b.firstAt));

  const out: AgentGroup[] = [];
  const visited = new Set<string | null>();
  const walk = (group: AgentGroup, depth: number): void => {
    if (visited.has(group.agentId)) return;
    visited.add(group.agentId);
    out.push({ ...group, depth });
    for (const child of order(children.get(group.agentId) ?? [])) walk(child, depth + 1);
  };
  for (const root of order(roots)) walk(root, 0);
  // Agents that only name each other as parents (a cycle) have no root: list them flat.
  for (const group of order([...groups.values()])) walk(group, 0);
  return out;
}

/** Whether a session's requests come from more than the main agent. */
export const hasSubagents = (entries: readonly TimelineEntry[]): boolean =>
  entries.some((entry) => entry.agent_id !== null);

/**
 * Claude Code's cost and Tollgate's are further apart than rounding: more than two micro-dollars or a
 * ten-thousandth of the larger, the rule the gateway flags a request's `client_cost_differs` by.
 */
export function costsDiffer(clientUsd: number, tollgateUsd: number): boolean {
  const client = Math.round(clientUsd * 1_000_000);
  const tollgate = Math.round(tollgateUsd * 1_000_000);
  return Math.abs(client - tollgate) > Math.max(2, Math.max(client, tollgate) / 10_000);
}

/** `45 s`, `12 min`, `2 h 5 min`: how long Claude Code says the developer and the agent were active. */
export function activeTime(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  if (total < 60) return `${total} s`;
  const minutes = Math.round(total / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** A telemetry attribute, when it is the type it is documented as (strings clipped by the gateway). */
export function textOf(event: SessionEvent, key: string): string | null {
  const value = event.attributes[key];
  return typeof value === 'string' && value !== '' ? value : null;
}
export function numberOf(event: SessionEvent, key: string): number | null {
  const value = event.attributes[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
export function booleanOf(event: SessionEvent, key: string): boolean | null {
  const value = event.attributes[key];
  return typeof value === 'boolean' ? value : null;
}

export type DecisionTone = 'success' | 'danger' | 'neutral';

/** A tool decision in words: Claude Code says `accept` or `reject`, and who decided (`config`, `user_permanent`…). */
export function decisionLabel(decision: string | null): { label: string; tone: DecisionTone } {
  switch (decision) {
    case 'accept':
      return { label: 'allowed', tone: 'success' };
    case 'reject':
      return { label: 'rejected', tone: 'danger' };
    case null:
      return { label: 'decided', tone: 'neutral' };
    default:
      return { label: decision.replaceAll('_', ' '), tone: 'neutral' };
  }
}

const SOURCE_LABELS: Record<string, string> = {
  config: 'by the settings',
  hook: 'by a hook',
  user_permanent: 'by the developer, always',
  user_temporary: 'by the developer, once',
  user_abort: 'the developer aborted',
  user_reject: 'by the developer',
};

/** Who made a tool decision, when Claude Code says. */
export function decisionSource(source: string | null): string | null {
  if (source === null || source === '') return null;
  return SOURCE_LABELS[source] ?? source.replaceAll('_', ' ');
}
