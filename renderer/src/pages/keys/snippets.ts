// What a person pastes to point Claude Code at the gateway with their key.

/** The `env` block for Claude Code's settings.json (~/.claude/settings.json or a project's .claude/settings.json). */
export function claudeCodeSettings(gatewayUrl: string, key: string): string {
  return JSON.stringify({ env: { ANTHROPIC_BASE_URL: gatewayUrl, ANTHROPIC_AUTH_TOKEN: key } }, null, 2);
}

/** Quotes a value for POSIX shells only when it needs it, so the common case stays readable. */
function shellValue(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** One line for a terminal: the same two variables as the settings block. */
export function shellExports(gatewayUrl: string, key: string): string {
  return `export ANTHROPIC_BASE_URL=${shellValue(gatewayUrl)} ANTHROPIC_AUTH_TOKEN=${shellValue(key)}`;
}
