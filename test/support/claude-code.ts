// The real Claude Code CLI (the pinned @anthropic-ai/claude-code) as the tests run it: where the binary
// is, the environment that keeps it on the network it is given and quiet, and the race that tells a CLI
// that stopped at a refusal from one that retries it.
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
