// The log viewer filters by refusal reason on its own (e.g. every "too_large" refusal); without an
// index a rare reason means walking the whole log (300 ms cold at a million rows).
export default /* sql */ `
CREATE INDEX request_logs_by_reason ON request_logs (refusal_reason, created_at);
`;
