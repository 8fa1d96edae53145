// Several upstreams: each provider has a type (how Tollgate speaks to it), a map from Anthropic model
// ids to its own, and a price multiplier; each pool key may be limited to some models. Each row keeps
// the provider key that served it and every attempt made, so failover shows in the log.
export default /* sql */ `
ALTER TABLE providers ADD COLUMN type TEXT NOT NULL DEFAULT 'anthropic';
ALTER TABLE providers ADD COLUMN models_map TEXT NOT NULL DEFAULT '{}';
ALTER TABLE providers ADD COLUMN price_multiplier REAL NOT NULL DEFAULT 1;
ALTER TABLE provider_keys ADD COLUMN models TEXT;
ALTER TABLE request_logs ADD COLUMN provider_key_name TEXT;
ALTER TABLE request_logs ADD COLUMN attempts TEXT;
CREATE INDEX request_logs_by_provider ON request_logs (provider, created_at);
`;
