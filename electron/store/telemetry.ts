// The events and metrics Claude Code exported (electron/gateway/telemetry.ts), attributed to the key
// that sent them, its user and team: written one export per transaction (an exporter's retry of a
// record already kept is ignored), read back per session in time order, pruned with the request log.
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

export class TelemetryStore {
  private readonly insert;
  private readonly page;
  private readonly pageByName;
  private readonly summary;
  private readonly metricTotals;
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
    // Delta points add up; a cumulative series is a running total, so its latest (largest) value counts.
    this.metricTotals = db.prepare<[string], { name: string; type: string | null; total: number }>(
      `SELECT name, type, sum(total) AS total FROM (
         SELECT name, json_extract(attributes, '$.type') AS type,
                CASE WHEN temporality = 'cumulative' THEN max(value) ELSE sum(value) END AS total
         FROM telemetry_events
         WHERE session_id = ? AND kind = 'metric'
         GROUP BY name, type, temporality, CASE WHEN temporality = 'cumulative' THEN series END
       ) GROUP BY name, type`,
    );
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
    const totals = this.metricTotals.all(sessionId);
    return {
      events: row?.events ?? 0,
      first_at: row?.first_at == null ? null : iso(row.first_at),
      last_at: row?.last_at == null ? null : iso(row.last_at),
      api_requests: row?.api_requests ?? 0,
      client_cost: microsToUsd(row?.cost_micros ?? 0),
      prompts: row?.prompts ?? 0,
      tool_results: row?.tool_results ?? 0,
      tool_failures: row?.tool_failures ?? 0,
      lines_added: metric('claude_code.lines_of_code.count', 'added'),
      lines_removed: metric('claude_code.lines_of_code.count', 'removed'),
      commits: metric('claude_code.commit.count'),
      pull_requests: metric('claude_code.pull_request.count'),
      active_time_seconds: metric('claude_code.active_time.total'),
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
