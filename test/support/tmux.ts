// An interactive terminal for tests: a program run in a detached tmux session on a server of the
// test's own (`tmux -L`), driven with send-keys and read with capture-pane, the way a person at the
// keyboard would. Used for Claude Code's interactive UI (/login, notices), which print mode does not show.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Whether tmux is installed; tests that need it say so and skip when it is not (CI installs it). */
export const TMUX_AVAILABLE = spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;

export interface Terminal {
  /** Types text, or presses keys by tmux name (`Enter`, `Up`, `Escape`), one call per key. */
  send(...keys: string[]): void;
  /** What the screen shows now. */
  screen(): string;
  /** Waits until the screen matches, and returns the match; fails with the screen past the deadline. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Ends the program and resolves once every process it started has exited. */
  close(): Promise<void>;
}

export function openTerminal(
  command: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; columns?: number; rows?: number },
): Terminal {
  const server = `tollgate-test-${randomBytes(4).toString('hex')}`;
  const tmux = (...args: string[]): string =>
    execFileSync('tmux', ['-L', server, ...args], { encoding: 'utf8', env: options.env, cwd: options.cwd });
  tmux(
    'new-session',
    '-d',
    '-s',
    'test',
    '-x',
    String(options.columns ?? 160),
    '-y',
    String(options.rows ?? 45),
    // The program runs under a shell only so that a crash leaves its last screen to read.
    `${command.map(shellQuote).join(' ')}; sleep 600`,
  );
  const screen = (): string => tmux('capture-pane', '-t', 'test', '-p');
  // tmux starts the pane's shell as a session leader, so its pid names the process group that holds
  // the program and everything it spawned.
  const paneGroup = Number(tmux('display-message', '-p', '-t', 'test', '#{pane_pid}').trim());
  return {
    send: (...keys) => {
      for (const key of keys) tmux('send-keys', '-t', 'test', ...(isKeyName(key) ? [key] : ['-l', key]));
    },
    screen,
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = screen();
        const match = pattern.exec(text);
        if (match) return match;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${String(pattern)}; it shows:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    // Killing the server only hangs up on the program, which may go on writing to its HOME for a
    // while; the caller removes that HOME next, so this waits until the whole group has exited.
    async close() {
      try {
        tmux('kill-server');
      } catch {
        // Already gone.
      }
      if (await groupExits(paneGroup, 'SIGHUP', 5_000)) return;
      if (await groupExits(paneGroup, 'SIGKILL', 5_000)) return;
      throw new Error(`the terminal's processes (group ${paneGroup}) outlived SIGKILL`);
    },
  };
}

async function groupExits(group: number, signal: NodeJS.Signals, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (signalGroup(group, signal)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/** Signals every process in the group; false once none is left. */
function signalGroup(group: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-group, signal);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

const isKeyName = (key: string): boolean => /^(Enter|Escape|Up|Down|Left|Right|Tab|BSpace|C-[a-z])$/.test(key);

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}
