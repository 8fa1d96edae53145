// The sign-ins waiting for the admin are asked for every few seconds (the tray, the dashboard's
// status): by status and expiry, so that old expired requests, which stay listed for the admin until
// dismissed, are never walked to find the live ones.
export default /* sql */ `
CREATE INDEX sign_ins_live ON sign_ins (status, expires_at);
`;
