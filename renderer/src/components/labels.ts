// Words for the gateway's codes, so every page names refusals and levels the same way.

const REFUSALS: Record<string, string> = {
  key_missing: 'No key presented',
  key_unknown: 'Unknown key',
  key_revoked: 'Revoked key',
  key_expired: 'Expired key',
  model_denied: 'Model not allowed',
  tool_denied: 'Tool not allowed',
  concurrency_limit: 'Too many requests at once',
  rate_limit: 'Rate limit reached',
  budget_exhausted: 'Budget spent',
  budget_reserved: 'Budget held by requests in flight',
  governance_unavailable: 'Governance unavailable',
  invalid_request: 'Invalid request',
  too_large: 'Request too large',
};

/** `budget_exhausted` → "Budget spent"; unknown codes read as words. */
export function refusalLabel(reason: string): string {
  return REFUSALS[reason] ?? humanise(reason);
}

const LEVELS: Record<string, string> = {
  customer: 'Customer',
  team: 'Team',
  user: 'User',
  virtual_key: 'Key',
  provider_config: 'Provider',
};

/** A budget owner's level: `virtual_key` → "Key". */
export function levelLabel(level: string): string {
  return LEVELS[level] ?? humanise(level);
}

/** `overloaded_error` → "Overloaded error". */
export function humanise(code: string): string {
  const words = code.replace(/[_-]+/g, ' ').trim();
  return words ? words[0]?.toUpperCase() + words.slice(1) : code;
}
