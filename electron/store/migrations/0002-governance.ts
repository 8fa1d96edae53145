// Governance: the customer > team > user > virtual key > provider config hierarchy, budgets with
// their settled spend per period, rate limits, temporary budget increases, and the audit trail.
export default /* sql */ `
CREATE TABLE customers (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE teams (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  customer_id TEXT REFERENCES customers(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX teams_by_customer ON teams (customer_id);

CREATE TABLE users (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  email       TEXT,
  team_id     TEXT REFERENCES teams(id) ON DELETE SET NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX users_by_team ON users (team_id);

ALTER TABLE virtual_keys ADD COLUMN team_id TEXT REFERENCES teams(id) ON DELETE SET NULL;
ALTER TABLE virtual_keys ADD COLUMN customer_id TEXT REFERENCES customers(id) ON DELETE SET NULL;
ALTER TABLE virtual_keys ADD COLUMN user_id TEXT REFERENCES users(id) ON DELETE SET NULL;
ALTER TABLE virtual_keys ADD COLUMN expires_at INTEGER;
-- JSON: allowed_models, denied_models, model_remap, tool_policy, max_concurrent_requests
ALTER TABLE virtual_keys ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';

CREATE TABLE provider_configs (
  id             INTEGER PRIMARY KEY,
  virtual_key_id TEXT NOT NULL REFERENCES virtual_keys(id) ON DELETE CASCADE,
  provider       TEXT NOT NULL,
  weight         REAL NOT NULL DEFAULT 1,
  allowed_models TEXT NOT NULL DEFAULT '[]',
  denied_models  TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX provider_configs_by_key ON provider_configs (virtual_key_id);

-- A budget belongs to one owner at one level; an owner may have several (e.g. per day and per month).
CREATE TABLE budgets (
  id               TEXT PRIMARY KEY,
  owner_type       TEXT NOT NULL CHECK (owner_type IN ('customer', 'team', 'user', 'virtual_key', 'provider_config')),
  owner_id         TEXT NOT NULL,
  max_limit_micros INTEGER NOT NULL CHECK (max_limit_micros >= 0),
  reset_duration   TEXT NOT NULL,
  calendar_aligned INTEGER NOT NULL DEFAULT 0,
  time_zone        TEXT,
  anchor_at        INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX budgets_by_owner ON budgets (owner_type, owner_id);

-- Settled spend per budget period, added to in the same transaction that writes the log row.
CREATE TABLE budget_spend (
  budget_id    TEXT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
  period_start INTEGER NOT NULL,
  spent_micros INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (budget_id, period_start)
) STRICT, WITHOUT ROWID;

-- Temporary increases: until the period ends (expires_at) or for one session.
CREATE TABLE budget_grants (
  id            TEXT PRIMARY KEY,
  budget_id     TEXT NOT NULL REFERENCES budgets(id) ON DELETE CASCADE,
  amount_micros INTEGER NOT NULL CHECK (amount_micros > 0),
  expires_at    INTEGER NOT NULL,
  session_id    TEXT,
  reason        TEXT NOT NULL DEFAULT '',
  created_by    TEXT NOT NULL,
  created_at    INTEGER NOT NULL
) STRICT;
CREATE INDEX budget_grants_by_budget ON budget_grants (budget_id, expires_at);

CREATE TABLE rate_limits (
  id                     TEXT PRIMARY KEY,
  owner_type             TEXT NOT NULL CHECK (owner_type IN ('virtual_key', 'provider_config')),
  owner_id               TEXT NOT NULL,
  request_max_limit      INTEGER,
  request_reset_duration TEXT,
  token_max_limit        INTEGER,
  token_reset_duration   TEXT,
  created_at             INTEGER NOT NULL,
  updated_at             INTEGER NOT NULL
) STRICT;
CREATE UNIQUE INDEX rate_limits_by_owner ON rate_limits (owner_type, owner_id);

-- Who the request was attributed to, and what governance did to it.
ALTER TABLE request_logs ADD COLUMN user_id TEXT;
ALTER TABLE request_logs ADD COLUMN team_id TEXT;
ALTER TABLE request_logs ADD COLUMN customer_id TEXT;
ALTER TABLE request_logs ADD COLUMN refusal_reason TEXT;
ALTER TABLE request_logs ADD COLUMN requested_model TEXT;
ALTER TABLE request_logs ADD COLUMN removed_tools TEXT;
CREATE INDEX request_logs_by_team ON request_logs (team_id, created_at);
CREATE INDEX request_logs_by_user ON request_logs (user_id, created_at);

-- Append-only: each entry carries the SHA-256 of the previous one, so an edited row breaks the chain.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  action      TEXT NOT NULL,
  target_type TEXT,
  target_id   TEXT,
  before      TEXT,
  after       TEXT,
  address     TEXT,
  prev_hash   TEXT NOT NULL,
  hash        TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;
