// The real Claude Code CLI (the pinned @anthropic-ai/claude-code) as the tests run it: where the binary
// is, the environment that keeps it on the network it is given and quiet, and the race that tells a CLI
// that stopped at a refusal from one that retries it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childEnv, type RunningProcess } from './processes.js';

export const CLAUDE = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'claude');

/**
 * Claude Code's environment as a developer has it (retries on), plus `env` (base URL, key, CA file):
 * a fresh HOME with no settings, credentials or caches of the machine, and no update checks,
 * telemetry, error reports or other non-essential traffic.
 */
export function claudeCodeProcessEnv(home: string, env: Record<string, string> = {}): NodeJS.ProcessEnv {
  return childEnv({
    HOME: home,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    ...env,
  });
}

/**
 * Watches a running CLI against the request log: a second refusal (`refusals()` reaching 2) means it
 * is retrying, so the race ends as soon as it exits, tries again, or outlives the deadline; a CLI
 * still running then is killed rather than waited out.
 */
export async function untilExitOrRetry(
  cli: RunningProcess,
  refusals: () => Promise<number>,
  deadlineMs: number,
): Promise<'exited' | 'retried' | 'hung'> {
  let settled = false;
  const watcher = (async (): Promise<'retried' | 'hung' | null> => {
    const deadline = Date.now() + deadlineMs;
    while (!settled) {
      if ((await refusals()) >= 2) return 'retried';
      if (Date.now() > deadline) return 'hung';
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return null;
  })();
  const outcome = await Promise.race([
    cli.exited.then(() => 'exited' as const),
    watcher.then((seen) => seen ?? 'exited'),
  ]);
  settled = true;
  if (outcome !== 'exited') await cli.stop('SIGKILL');
  await watcher;
  return outcome;
}

/**
 * A fresh HOME for the interactive CLI: onboarding done and `work` (the returned folder) trusted, so
 * Claude Code opens straight at its prompt, with an empty ~/.claude for settings and credentials.
 */
export function prepareClaudeHome(home: string): string {
  const work = join(home, 'work');
  mkdirSync(join(home, '.claude'), { recursive: true });
  mkdirSync(work, { recursive: true });
  writeFileSync(
    join(home, '.claude.json'),
    JSON.stringify({
      hasCompletedOnboarding: true,
      projects: { [work]: { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true } },
    }),
  );
  return work;
}

/**
 * Leaves the CLI's credential store as /login on loopback does (Claude Code 2.1.330's format): the
 * gateway trusted and the signed-in tokens, so `claude` starts signed in without the interactive flow.
 */
export function storeGatewayCredential(
  home: string,
  gatewayUrl: string,
  signedIn: { accessToken: string; refreshToken: string; email: string | undefined },
): void {
  writeFileSync(
    join(home, '.claude', '.credentials.json'),
    JSON.stringify({
      gatewayTrust: { [new URL(gatewayUrl).hostname]: 'http-loopback' },
      enterpriseGateway: {
        url: gatewayUrl,
        jwt: signedIn.accessToken,
        expiresAt: Date.now() + 3_600_000,
        tokenEndpoint: `${gatewayUrl}/oauth/token`,
        revocationEndpoint: `${gatewayUrl}/oauth/revoke`,
        idpRefreshToken: signedIn.refreshToken,
        email: signedIn.email,
        vouchedAtLogin: false,
      },
    }),
  );
}
