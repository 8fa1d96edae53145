// What the agent did: the OpenTelemetry events and metrics a signed-in Claude Code exports to the
// gateway (POST /v1/logs and /v1/metrics), kept per key, user and session beside the request log.
// One row per event (api_request, api_error, tool_result, tool_decision, user_prompt) or metric data
// point (lines of code, commits, pull requests, active time). The columns the queries need are
// their own; what else the event says, clipped, is `attributes` (JSON). `dedupe` is a digest of the
// record as sent, so an exporter's retry of an export that did arrive adds nothing.
// Reconciliation joins a log row's upstream_request_id to the api_request event of the same key
// (telemetry_events_by_request), at read time.
export default /* sql */ `
CREATE TABLE telemetry_events (
  id             INTEGER PRIMARY KEY,
  received_at    INTEGER NOT NULL,
  created_at     INTEGER NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('event', 'metric')),
  name           TEXT NOT NULL,
  virtual_key_id TEXT NOT NULL,
  user_id        TEXT,
  team_id        TEXT,
  session_id     TEXT,
  prompt_id      TEXT,
  request_id     TEXT,
  model          TEXT,
  tool_name      TEXT,
  cost_micros    INTEGER,
  value          REAL,
  temporality    TEXT CHECK (temporality IN ('delta', 'cumulative')),
  series         TEXT,
  attributes     TEXT NOT NULL,
  dedupe         TEXT NOT NULL,
  UNIQUE (virtual_key_id, dedupe)
) STRICT;
CREATE INDEX telemetry_events_by_session ON telemetry_events (session_id, created_at);
CREATE INDEX telemetry_events_by_received ON telemetry_events (received_at);
CREATE INDEX telemetry_events_by_request ON telemetry_events (request_id, virtual_key_id) WHERE name = 'api_request';
`;
