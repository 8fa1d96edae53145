// The checksum a machine reports can differ from the one served (the client edits values as it loads
// them; a managed-settings file or MDM profile adds env entries), so the admin can accept what a
// correctly set-up machine reports. The checksum itself is a plain hash that lets anyone who sees it
// test guesses at short env values, so rows keep only a keyed fingerprint of it (HMAC under a key
// made here, never shown), and acceptances are kept by that fingerprint.
export default /* sql */ `
CREATE TABLE managed_settings_secret (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  key BLOB NOT NULL
) STRICT;
INSERT INTO managed_settings_secret (id, key) VALUES (1, randomblob(32));
CREATE TABLE managed_settings_accepted (
  served_checksum      TEXT NOT NULL,
  reported_fingerprint TEXT NOT NULL,
  accepted_at          INTEGER NOT NULL,
  PRIMARY KEY (served_checksum, reported_fingerprint)
) STRICT;
ALTER TABLE request_logs ADD COLUMN managed_settings_fingerprint TEXT;
`;
