// Settlement as one durable fact. budget_charges records which budgets each request's cost landed on,
// so for every budget and period spent_micros equals the sum of its charges (`npm run doctor` checks
// it). admissions holds a trace of every forwarded request until its row is written: one still here at
// start-up was in flight when the gateway died, and becomes an `interrupted` row charged to its budgets.
// Spend recorded before this migration has no per-request detail; it is carried over as one charge per
// budget period so the invariant holds on an upgraded store too.
export default /* sql */ `
CREATE TABLE budget_charges (
  budget_id    TEXT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
  period_start INTEGER NOT NULL,
  request_id   TEXT NOT NULL,
  micros       INTEGER NOT NULL,
  PRIMARY KEY (budget_id, period_start, request_id)
) STRICT, WITHOUT ROWID;

INSERT INTO budget_charges (budget_id, period_start, request_id, micros)
  SELECT budget_id, period_start, 'carried-over', spent_micros FROM budget_spend WHERE spent_micros <> 0;

-- A rowid table: its records (a kilobyte or two of JSON) are too large for a WITHOUT ROWID b-tree.
CREATE TABLE admissions (
  request_id TEXT NOT NULL PRIMARY KEY,
  created_at INTEGER NOT NULL,
  -- JSON: the request's log row as known when it was admitted, and the budgets it holds.
  record     TEXT NOT NULL,
  -- JSON: the usage its stream had reported so far, when any.
  usage      TEXT
) STRICT;

-- Finds a request's row: replaying writes held over by a stopped gateway skips rows already written,
-- and npm run doctor matches each charge to its row.
CREATE INDEX request_logs_by_request_id ON request_logs (request_id);

-- Per-model usage and cost when usage.iterations priced steps separately (compaction, advisor).
ALTER TABLE request_logs ADD COLUMN usage_by_model TEXT;
ALTER TABLE request_logs ADD COLUMN web_search_requests INTEGER NOT NULL DEFAULT 0;
ALTER TABLE request_logs ADD COLUMN web_fetch_requests INTEGER NOT NULL DEFAULT 0;
`;
