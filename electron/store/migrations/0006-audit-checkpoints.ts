// Audit retention. Entries past the retention window are archived to a JSON Lines file and removed,
// and what was removed is pinned by a checkpoint: the id and hash of the last archived entry, with the
// archive's name and SHA-256. The remaining chain starts from that hash, so it stays verifiable, and
// the archive verifies on its own up to it. Only entries behind a checkpoint can be deleted, and a
// checkpoint must name an entry's real hash; checkpoints themselves are append-only.
export default /* sql */ `
CREATE TABLE audit_checkpoints (
  id             INTEGER PRIMARY KEY,
  at             INTEGER NOT NULL,
  first_id       INTEGER NOT NULL,
  through_id     INTEGER NOT NULL,
  through_hash   TEXT NOT NULL,
  entries        INTEGER NOT NULL,
  archive_file   TEXT NOT NULL,
  archive_sha256 TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_checkpoints_name_real_entry BEFORE INSERT ON audit_checkpoints
  WHEN NEW.through_hash IS NOT (SELECT hash FROM audit_log WHERE id = NEW.through_id)
  BEGIN SELECT RAISE(ABORT, 'a checkpoint must name an audit entry by its hash'); END;
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;

DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  WHEN OLD.id > COALESCE((SELECT MAX(through_id) FROM audit_checkpoints), 0)
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only: only entries archived behind a checkpoint can be removed'); END;
`;
