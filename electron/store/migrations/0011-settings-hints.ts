// Which managed settings a signed-in Claude Code runs under. With hint headers on, the client sends
// the checksum of the settings it loaded on every model request; Tollgate compares it with what it
// served that key (this table keeps each checksum served and when last) and keeps only the outcome on
// the row: the checksum itself is a plain hash of the policy, treated as sensitive, and not stored there.
export default /* sql */ `
CREATE TABLE managed_settings_served (
  virtual_key_id TEXT NOT NULL,
  checksum       TEXT NOT NULL,
  last_served_at INTEGER NOT NULL,
  PRIMARY KEY (virtual_key_id, checksum)
) STRICT;
ALTER TABLE request_logs ADD COLUMN managed_settings TEXT;
CREATE INDEX request_logs_by_settings_state ON request_logs (virtual_key_id, created_at) WHERE managed_settings IS NOT NULL;
`;
