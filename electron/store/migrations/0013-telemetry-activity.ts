// The overview's per-person activity (lines of code, commits, pull requests, active time) totals the
// metric points of a period: they are found by time among metric points only, never by walking the
// events beside them. A cumulative series counts by how much it rose in the period, so its last value
// before the period is looked up by series and time.
export default /* sql */ `
CREATE INDEX telemetry_metrics_by_time ON telemetry_events (created_at) WHERE kind = 'metric';
CREATE INDEX telemetry_metrics_by_series ON telemetry_events (series, created_at) WHERE series IS NOT NULL;
`;
