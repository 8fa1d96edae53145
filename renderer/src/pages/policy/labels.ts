// The policy page's words: what each layer scope is called, the two sentences the page must say
// the same way everywhere (the env approval prompt, a key without a policy), and the variable that
// hint headers add.
import type { PolicyScope } from '../../stores/managed-settings';

export const SCOPE_LABEL: Record<PolicyScope, string> = {
  global: 'Global',
  team: 'Team',
  user: 'User',
  virtual_key: 'Key',
};

/** What Claude Code does with managed settings that carry `env` (README, "Managed settings"). */
export const ENV_WARNING =
  'Claude Code asks each teammate to approve managed settings that set environment variables, once; if they decline, Claude Code exits.';

/** The preview of a key no layer applies to, and whose own policy implies nothing. */
export const NO_POLICY = 'No managed policy applies to this key (Claude Code gets 404 and keeps its own settings).';

/** What hint headers add to every signed-in key's managed settings' env (README, "Stale or missing settings"). */
export const HINT_HEADERS_VARIABLE = 'CLAUDE_CODE_GATEWAY_HINT_HEADERS';
