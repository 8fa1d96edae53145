// Claude Code's /login (the gateway protocol's OAuth device flow), with the admin as the identity
// provider. A sign-in starts when a client asks for a device code, waits for the admin once the
// teammate has entered their code, name and email on /device, and, once approved, maps its tokens to
// the virtual key made for that person and device. Device codes and tokens are stored hashed, like
// keys; the user code is short-lived and shown to the admin, so it is kept as it is.
export default /* sql */ `
CREATE TABLE sign_ins (
  id               TEXT PRIMARY KEY,
  device_code_hash TEXT NOT NULL UNIQUE,
  user_code        TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('started', 'pending', 'approved', 'denied', 'revoked')),
  surface          TEXT,
  user_agent       TEXT,
  address          TEXT,
  name             TEXT,
  email            TEXT,
  created_at       INTEGER NOT NULL,
  expires_at       INTEGER NOT NULL,
  claimed_at       INTEGER,
  decided_at       INTEGER,
  user_id          TEXT,
  virtual_key_id   TEXT,
  invite_id        TEXT,
  interval_seconds INTEGER NOT NULL,
  last_polled_at   INTEGER,
  token_issued_at  INTEGER
) STRICT;
CREATE INDEX sign_ins_by_user_code ON sign_ins (user_code, status);
CREATE INDEX sign_ins_by_status ON sign_ins (status, created_at);
CREATE INDEX sign_ins_by_key ON sign_ins (virtual_key_id);

CREATE TABLE oauth_tokens (
  token_hash  TEXT PRIMARY KEY,
  sign_in_id  TEXT NOT NULL REFERENCES sign_ins (id),
  kind        TEXT NOT NULL CHECK (kind IN ('access', 'refresh')),
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER
) STRICT;
CREATE INDEX oauth_tokens_by_sign_in ON oauth_tokens (sign_in_id);

CREATE TABLE invites (
  id          TEXT PRIMARY KEY,
  code_hash   TEXT NOT NULL UNIQUE,
  settings    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  sign_in_id  TEXT,
  used_at     INTEGER
) STRICT;
`;
