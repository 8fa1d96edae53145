// Claude Code pins the LAN server certificate it first signs in over. Which one each sign-in pinned
// is kept, so that when the certificate has to change (an address it never covered), the dashboard
// can say exactly who must run /login again; the LAN status counts them on every read, by this index.
export default /* sql */ `
ALTER TABLE sign_ins ADD COLUMN pinned_certificate_sha256 TEXT;
CREATE INDEX sign_ins_pinned ON sign_ins (status, pinned_certificate_sha256)
  WHERE pinned_certificate_sha256 IS NOT NULL;
`;
