// The first schema: keys, providers, prices, the request log and content-addressed captured content.
// Money is integer micro-dollars, time is integer epoch milliseconds (UTC).
export default /* sql */ `
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE virtual_keys (
  id              TEXT PRIMARY KEY,
  name            TEXT NOT NULL,
  description     TEXT NOT NULL DEFAULT '',
  key_hash        TEXT NOT NULL UNIQUE,
  value_preview   TEXT NOT NULL,
  is_active       INTEGER NOT NULL DEFAULT 1,
  capture_content INTEGER NOT NULL DEFAULT 1,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  last_used_at    INTEGER,
  deleted_at      INTEGER
) STRICT;

CREATE TABLE providers (
  provider   TEXT PRIMARY KEY,
  base_url   TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE provider_keys (
  id        TEXT PRIMARY KEY,
  provider  TEXT NOT NULL REFERENCES providers(provider) ON DELETE CASCADE,
  name      TEXT NOT NULL,
  -- exactly one of: a sealed literal secret, or the name of an environment variable
  sealed    TEXT,
  env_var   TEXT,
  preview   TEXT NOT NULL,
  weight    REAL NOT NULL DEFAULT 1,
  position  INTEGER NOT NULL,
  CHECK ((sealed IS NULL) <> (env_var IS NULL))
) STRICT;

-- Every price a request was ever charged at. Rows are never edited once a log row points at them;
-- a change of price is a new row with a later effective_from.
CREATE TABLE prices (
  id              INTEGER PRIMARY KEY,
  model           TEXT NOT NULL,
  source          TEXT NOT NULL CHECK (source IN ('builtin', 'override')),
  effective_from  INTEGER NOT NULL,
  -- micro-dollars per million tokens
  input           INTEGER NOT NULL,
  output          INTEGER NOT NULL,
  cache_write_5m  INTEGER NOT NULL,
  cache_write_1h  INTEGER NOT NULL,
  cache_read      INTEGER NOT NULL,
  bands           TEXT NOT NULL DEFAULT '[]',
  note            TEXT,
  created_at      INTEGER NOT NULL,
  retired_at      INTEGER
) STRICT;
CREATE INDEX prices_by_model ON prices (model, effective_from);

CREATE TABLE request_logs (
  id                       INTEGER PRIMARY KEY,
  request_id               TEXT NOT NULL,
  created_at               INTEGER NOT NULL,
  virtual_key_id           TEXT,
  virtual_key_name         TEXT,
  session_id               TEXT,
  client                   TEXT,
  method                   TEXT NOT NULL,
  path                     TEXT NOT NULL,
  endpoint                 TEXT NOT NULL,
  model                    TEXT,
  provider                 TEXT,
  status                   TEXT NOT NULL,
  status_code              INTEGER NOT NULL,
  error_type               TEXT,
  error_message            TEXT,
  stream                   INTEGER NOT NULL DEFAULT 0,
  input_tokens             INTEGER NOT NULL DEFAULT 0,
  output_tokens            INTEGER NOT NULL DEFAULT 0,
  cache_creation_tokens    INTEGER NOT NULL DEFAULT 0,
  cache_creation_5m_tokens INTEGER NOT NULL DEFAULT 0,
  cache_creation_1h_tokens INTEGER NOT NULL DEFAULT 0,
  cache_read_tokens        INTEGER NOT NULL DEFAULT 0,
  cost_micros              INTEGER NOT NULL DEFAULT 0,
  cost_estimated           INTEGER NOT NULL DEFAULT 0,
  price_id                 INTEGER REFERENCES prices(id),
  latency_ms               INTEGER NOT NULL,
  ttfb_ms                  INTEGER,
  stop_reason              TEXT,
  tool_names               TEXT,
  request_bytes            INTEGER NOT NULL DEFAULT 0,
  response_bytes           INTEGER NOT NULL DEFAULT 0,
  upstream_request_id      TEXT
) STRICT;
-- Designed from the log viewer's queries: newest first (created_at DESC, id DESC, with a keyset cursor on
-- both), optionally narrowed by one column. Each index ends in created_at (and the implicit rowid), so
-- any single filter plus a time window is served in order without a sort.
CREATE INDEX request_logs_by_time    ON request_logs (created_at);
CREATE INDEX request_logs_by_key     ON request_logs (virtual_key_id, created_at);
CREATE INDEX request_logs_by_model   ON request_logs (model, created_at);
CREATE INDEX request_logs_by_session ON request_logs (session_id, created_at);
CREATE INDEX request_logs_by_status  ON request_logs (status_code, created_at);
CREATE INDEX request_logs_by_outcome ON request_logs (status, created_at);

-- Captured content, stored once per distinct piece (a message, a system prompt, a tool list):
-- Claude Code resends the whole conversation every turn, so requests share almost all of it.
CREATE TABLE content_blobs (
  hash       TEXT PRIMARY KEY,
  body       BLOB NOT NULL,
  compressed INTEGER NOT NULL,
  size       INTEGER NOT NULL,
  created_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Per request: which blobs make up what was sent and received (a JSON object whose every string
-- leaf is a content_blobs hash), so the request can be reassembled and unreferenced blobs pruned.
CREATE TABLE request_content (
  log_id   INTEGER PRIMARY KEY REFERENCES request_logs(id) ON DELETE CASCADE,
  manifest TEXT NOT NULL
) STRICT;
`;
