// The events and metrics Claude Code exported (electron/gateway/telemetry.ts), attributed to the key
// that sent them, its user and team: written one export per transaction (an exporter's retry of a
// record already kept is ignored), read back per session in time order, totalled per person for the
// overview beside their spend, pruned with the request log.
import type { SessionEvents, TelemetryEvent } from '../../shared/schemas.js';
import type { AttributeValue, TelemetryRecord } from '../gateway/otlp.js';
import { microsToUsd } from '../pricing/cost.js';
import type { Db } from './database.js';
import { iso } from './time.js';

/** Who sent an export. */
export interface TelemetrySender {
  virtualKeyId: string;
  userId: string | null;
  teamId: string | null;
}

interface EventRow {
  id: number;
  received_at: number;
  created_at: number;
  kind: 'event' | 'metric';
  name: string;
  virtual_key_id: string;
  user_id: string | null;
  team_id: string | null;
  session_id: string | null;
  prompt_id: string | null;
  request_id: string | null;
  model: string | null;
  tool_name: string | null;
  cost_micros: number | null;
  value: number | null;
  temporality: 'delta' | 'cumulative' | null;
  attributes: string;
}

interface SummaryRow {
  events: number;
  api_requests: number;
  cost_micros: number;
  prompts: number;
  tool_results: number;
  tool_failures: number;
  first_at: number | null;
  last_at: number | null;
}

export interface SessionEventsQuery {
  limit: number;
  /** Keyset position from a previous page (`<created_at>.<id>`): the page starts after it. */
  cursor?: string | undefined;
  /** Only events or metrics of this name. */
  name?: string | undefined;
}

/** What one person did in a period: their spend through the gateway and what their Claude Code reported. */
export interface PersonActivity {
  /** A user (the key's owner when the row was written), or a key that has none, standing for its holder. */
  kind: 'user' | 'key';
  id: string;
  /** The key's name on its latest request in the period, for a key; null for a user. */
  keyName: string | null;
  costMicros: number;
  requests: number;
  linesAdded: number;
  linesRemoved: number;
  commits: number;
  pullRequests: number;
  activeTimeSeconds: number;
}

interface PersonRow {
  kind: 'user' | 'key';
  id: string;
  key_name: string | null;
  cost_micros: number;
  requests: number;
  lines_added: number;
  lines_removed: number;
  commits: number;
  pull_requests: number;
  active_time: number;
}

const LINES = 'claude_code.lines_of_code.count';
const COMMITS = 'claude_code.commit.count';
const PULL_REQUESTS = 'claude_code.pull_request.count';
const ACTIVE_TIME = 'claude_code.active_time.total';

/**
 * Each metric series' total over the points `where` picks among metric points (alias m), with the key,
 * user and session it belongs to. Delta points add up. A cumulative series is a running total since
 * its start, so it counts by how much it rose: its largest value here less its largest before @from
 * (none for a series that began inside, or when @from is 0). The one place both the session view's
 * totals and the overview's per-person totals are worked out.
 */
function seriesTotals(where: string): string {
  return `
    SELECT m.virtual_key_id, max(m.user_id) AS user_id, m.session_id, m.name,
           json_extract(m.attributes, '$.type') AS type,
           CASE WHEN m.temporality = 'cumulative'
                THEN max(m.value) - coalesce((SELECT max(b.value) FROM telemetry_events b
                                              WHERE b.series = m.series AND b.created_at < @from
                                                AND b.virtual_key_id = m.virtual_key_id
                                                AND b.session_id IS m.session_id), 0)
                ELSE sum(m.value) END AS total
    FROM telemetry_events m
    WHERE m.kind = 'metric' AND ${where}
    GROUP BY m.virtual_key_id, m.session_id, m.name, type, m.temporality, m.series`;
}

/** A session's metric totals by name and type: the whole session, so @from is 0. */
export const SESSION_METRICS_SQL = `SELECT name, type, sum(total) AS total FROM (${seriesTotals('m.session_id = @session')})
  GROUP BY name, type`;

/**
 * The people of [@from, @to), most spend first, then most lines: spend and requests from request_logs,
 * beside what the metrics say they did. The two halves are read in one statement so that the people
 * are ranked, and bounded, once over both: someone with work but no spend is listed too.
 */
export const PEOPLE_SQL = `
  WITH spend AS (
    SELECT CASE WHEN user_id IS NULL THEN 'key' ELSE 'user' END AS kind, coalesce(user_id, virtual_key_id) AS id,
           sum(cost_micros) AS cost_micros, count(*) AS requests, max(virtual_key_name) AS key_name
    FROM request_logs
    WHERE created_at >= @from AND created_at < @to AND virtual_key_id IS NOT NULL
    GROUP BY 1, 2
  ),
  activity AS (
    SELECT CASE WHEN user_id IS NULL THEN 'key' ELSE 'user' END AS kind, coalesce(user_id, virtual_key_id) AS id,
           coalesce(sum(CASE WHEN name = '${LINES}' AND type = 'added' THEN total END), 0) AS lines_added,
           coalesce(sum(CASE WHEN name = '${LINES}' AND type = 'removed' THEN total END), 0) AS lines_removed,
           coalesce(sum(CASE WHEN name = '${COMMITS}' THEN total END), 0) AS commits,
           coalesce(sum(CASE WHEN name = '${PULL_REQUESTS}' THEN total END), 0) AS pull_requests,
           coalesce(sum(CASE WHEN name = '${ACTIVE_TIME}' THEN total END), 0) AS active_time
    FROM (${seriesTotals('m.created_at >= @from AND m.created_at < @to')})
    GROUP BY 1, 2
  ),
  people AS (
    SELECT p.kind, p.id, s.key_name, coalesce(s.cost_micros, 0) AS cost_micros, coalesce(s.requests, 0) AS requests,
           coalesce(a.lines_added, 0) AS lines_added, coalesce(a.lines_removed, 0) AS lines_removed,
           coalesce(a.commits, 0) AS commits, coalesce(a.pull_requests, 0) AS pull_requests,
           coalesce(a.active_time, 0) AS active_time
    FROM (SELECT kind, id FROM spend UNION SELECT kind, id FROM activity) p
    LEFT JOIN spend s ON s.kind = p.kind AND s.id = p.id
    LEFT JOIN activity a ON a.kind = p.kind AND a.id = p.id
  )
  SELECT * FROM people
  ORDER BY cost_micros DESC, lines_added + lines_removed DESC, commits + pull_requests DESC, kind DESC, id
  LIMIT @limit`;

export class TelemetryStore {
  private readonly insert;
  private readonly page;
  private readonly pageByName;
  private readonly summary;
  private readonly metricTotals;
  private readonly byPerson;
  private readonly deleteBefore;

  constructor(private readonly db: Db) {
    this.insert = db.prepare(
      `INSERT OR IGNORE INTO telemetry_events (received_at, created_at, kind, name, virtual_key_id, user_id, team_id,
         session_id, prompt_id, request_id, model, tool_name, cost_micros, value, temporality, series, attributes, dedupe)
       VALUES (@received_at, @created_at, @kind, @name, @virtual_key_id, @user_id, @team_id, @session_id, @prompt_id,
         @request_id, @model, @tool_name, @cost_micros, @value, @temporality, @series, @attributes, @dedupe)`,
    );
    const after = '(created_at, id) > (@after_at, @after_id)';
    this.page = db.prepare<[{ session: string; after_at: number; after_id: number; limit: number }], EventRow>(
      `SELECT * FROM telemetry_events WHERE session_id = @session AND ${after} ORDER BY created_at, id LIMIT @limit`,
    );
    this.pageByName = db.prepare<
      [{ session: string; name: string; after_at: number; after_id: number; limit: number }],
      EventRow
    >(
      `SELECT * FROM telemetry_events WHERE session_id = @session AND ${after} AND name = @name
       ORDER BY created_at, id LIMIT @limit`,
    );
    this.summary = db.prepare<[string], SummaryRow>(
      `SELECT count(*) AS events,
              count(CASE WHEN name = 'api_request' THEN 1 END) AS api_requests,
              coalesce(sum(CASE WHEN name = 'api_request' THEN cost_micros END), 0) AS cost_micros,
              count(CASE WHEN name = 'user_prompt' THEN 1 END) AS prompts,
              count(CASE WHEN name = 'tool_result' THEN 1 END) AS tool_results,
              count(CASE WHEN name = 'tool_result' AND json_extract(attributes, '$.success') = 0 THEN 1 END) AS tool_failures,
              min(created_at) AS first_at, max(created_at) AS last_at
       FROM telemetry_events WHERE session_id = ?`,
    );
    this.metricTotals = db.prepare<
      [{ session: string; from: 0 }],
      { name: string; type: string | null; total: number }
    >(SESSION_METRICS_SQL);
    this.byPerson = db.prepare<[{ from: number; to: number; limit: number }], PersonRow>(PEOPLE_SQL);
    this.deleteBefore = db.prepare('DELETE FROM telemetry_events WHERE received_at < ?');
  }

  /** Keeps one export's records in one transaction; returns how many were new. */
  add(sender: TelemetrySender, records: readonly TelemetryRecord[], receivedAt: number): number {
    if (records.length === 0) return 0;
    return this.db.transaction(() => {
      let added = 0;
      for (const record of records) {
        added += this.insert.run({
          received_at: receivedAt,
          created_at: record.createdAt,
          kind: record.kind,
          name: record.name,
          virtual_key_id: sender.virtualKeyId,
          user_id: sender.userId,
          team_id: sender.teamId,
          session_id: record.sessionId,
          prompt_id: record.promptId,
          request_id: record.requestId,
          model: record.model,
          tool_name: record.toolName,
          cost_micros: record.costMicros,
          value: record.value,
          temporality: record.temporality,
          series: record.series,
          attributes: JSON.stringify(record.attributes),
          dedupe: record.dedupe,
        }).changes;
      }
      return added;
    })();
  }

  /** A session's events and metric points, oldest first, one page at a time, with totals for the whole session. */
  sessionEvents(sessionId: string, query: SessionEventsQuery): SessionEvents {
    const position = query.cursor === undefined ? { at: -1, id: -1 } : decodeCursor(query.cursor);
    const params = { session: sessionId, after_at: position.at, after_id: position.id, limit: query.limit + 1 };
    const rows =
      query.name === undefined ? this.page.all(params) : this.pageByName.all({ ...params, name: query.name });
    const has_more = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      session_id: sessionId,
      events: page.map(toEvent),
      has_more,
      next_cursor: has_more && last ? `${last.created_at}.${last.id}` : null,
      summary: this.summarise(sessionId),
    };
  }

  /**
   * Per person (a user, or a key with no user), spend and requests in [from, to) from the request log
   * beside the lines of code, commits, pull requests and active time their Claude Code reported for
   * the same period; at most `limit` people, most spend first, then most lines. Reads request_logs as
   * written: the caller flushes the request log first.
   */
  activityByPerson(from: number, to: number, limit: number): PersonActivity[] {
    return this.byPerson.all({ from, to, limit }).map((row) => ({
      kind: row.kind,
      id: row.id,
      keyName: row.kind === 'key' ? row.key_name : null,
      costMicros: row.cost_micros,
      requests: row.requests,
      linesAdded: Math.round(row.lines_added),
      linesRemoved: Math.round(row.lines_removed),
      commits: Math.round(row.commits),
      pullRequests: Math.round(row.pull_requests),
      activeTimeSeconds: Number(row.active_time.toFixed(3)),
    }));
  }

  /** Deletes what arrived before the retention window (the request log's retention_days; 0 keeps all). */
  prune(retentionDays: number, now: number): number {
    if (retentionDays <= 0) return 0;
    return this.deleteBefore.run(now - retentionDays * 86_400_000).changes;
  }

  private summarise(sessionId: string): SessionEvents['summary'] {
    const row = this.summary.get(sessionId);
    const metric = (name: string, type?: string): number => {
      let total = 0;
      for (const entry of totals)
        if (entry.name === name && (type === undefined || entry.type === type)) total += entry.total;
      return Number(total.toFixed(6));
    };
    const totals = this.metricTotals.all({ session: sessionId, from: 0 });
    return {
      events: row?.events ?? 0,
      first_at: row?.first_at == null ? null : iso(row.first_at),
      last_at: row?.last_at == null ? null : iso(row.last_at),
      api_requests: row?.api_requests ?? 0,
      client_cost: microsToUsd(row?.cost_micros ?? 0),
      prompts: row?.prompts ?? 0,
      tool_results: row?.tool_results ?? 0,
      tool_failures: row?.tool_failures ?? 0,
      lines_added: metric(LINES, 'added'),
      lines_removed: metric(LINES, 'removed'),
      commits: metric(COMMITS),
      pull_requests: metric(PULL_REQUESTS),
      active_time_seconds: metric(ACTIVE_TIME),
    };
  }
}

function toEvent(row: EventRow): TelemetryEvent {
  return {
    id: row.id,
    timestamp: iso(row.created_at),
    created_at_ms: row.created_at,
    received_at: iso(row.received_at),
    kind: row.kind,
    name: row.name,
    virtual_key_id: row.virtual_key_id,
    user_id: row.user_id,
    team_id: row.team_id,
    session_id: row.session_id,
    prompt_id: row.prompt_id,
    request_id: row.request_id,
    model: row.model,
    tool_name: row.tool_name,
    client_cost: row.cost_micros === null ? null : microsToUsd(row.cost_micros),
    value: row.value,
    temporality: row.temporality,
    attributes: JSON.parse(row.attributes) as Record<string, AttributeValue>,
  };
}

function decodeCursor(cursor: string): { at: number; id: number } {
  const match = /^(\d+)\.(\d+)$/.exec(cursor);
  const at = Number(match?.[1]);
  const id = Number(match?.[2]);
  if (!match || !Number.isSafeInteger(at) || !Number.isSafeInteger(id)) {
    throw new RangeError(`cursor "${cursor}" is not one this API returned; pass next_cursor from the previous page`);
  }
  return { at, id };
}
