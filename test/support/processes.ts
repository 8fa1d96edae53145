// Real child processes for integration tests (the headless gateway, npm, the Claude Code CLI): spawn
// with stdout and stderr captured, wait for a line with a deadline, stop with a signal and await the
// exit. Each process gets its own process group, so a signal reaches the whole tree (npm → sh → tsx →
// node) the way Ctrl-C in a terminal does, and a failing test cannot leave a server behind:
// stopAllProcesses() ends whatever is still running, and the worker's exit kills any leftover group.
import { spawn, type ChildProcess } from 'node:child_process';

export interface ProcessExit {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ProcessOptions {
  cwd?: string;
  /** The complete environment of the child; build it with childEnv() to start from a clean slate. */
  env?: NodeJS.ProcessEnv;
  /** Shown in error messages; the command name if omitted. */
  name?: string;
}

export interface RunningProcess {
  readonly name: string;
  readonly pid: number;
  /** Everything written to stdout so far. */
  readonly stdout: string;
  /** Everything written to stderr so far. */
  readonly stderr: string;
  /** stdout and stderr interleaved in order of arrival. */
  readonly output: string;
  /** Set once the process has exited and its output streams have closed. */
  readonly exit: ProcessExit | null;
  /** Resolves when the process has exited and its output streams have closed. */
  readonly exited: Promise<ProcessExit>;
  /**
   * Resolves with the match of the first complete output line (stdout or stderr, already seen or
   * still to come) that matches `pattern`; rejects when the process exits first or the deadline passes.
   */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Sends a signal to the process group (the whole tree), like a key press in a terminal. */
  signal(signal: NodeJS.Signals): void;
  /**
   * Waits for the exit; past the deadline the group is killed and the promise rejects, so a hung
   * process fails the test with its output instead of hanging it.
   */
  waitForExit(timeoutMs?: number): Promise<ProcessExit>;
  /** Sends `signal` (SIGINT by default) to the group and waits for the exit, as waitForExit does. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
}

export interface FinishedProcess extends ProcessExit {
  stdout: string;
  stderr: string;
  output: string;
}

const DEFAULT_LINE_TIMEOUT_MS = 20_000;
const DEFAULT_EXIT_TIMEOUT_MS = 30_000;

const live = new Set<RunningProcess>();

// A worker that ends with processes still running (a crashed test, an interrupted run) takes them along.
process.once('exit', () => {
  for (const child of live) killGroup(child.pid, 'SIGKILL');
});

/**
 * The parent's environment without variables that would steer the child (ANTHROPIC_*, TOLLGATE_*,
 * CLAUDE_* and friends), plus `set`. Tests state every setting they rely on.
 */
export function childEnv(
  set: Record<string, string>,
  drop: RegExp = /^(ANTHROPIC_|TOLLGATE_|CLAUDE_|npm_)/,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !drop.test(name)) env[name] = value;
  }
  return { ...env, ...set };
}

export function startProcess(command: string, args: readonly string[], options: ProcessOptions = {}): RunningProcess {
  const name = options.name ?? command;
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: signals reach the whole tree, and the tree can be killed as one.
    detached: process.platform !== 'win32',
  });
  let spawnError: Error | null = null;
  // Listened for at once: an unheard 'error' (a missing binary, say) would crash the test worker.
  child.once('error', (error) => {
    spawnError = error;
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not be started`);

  let stdout = '';
  let stderr = '';
  let output = '';
  const lines: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const lineListeners = new Set<() => void>();
  let exit: ProcessExit | null = null;
  let exitCode: number | null = null;
  let exitSignal: NodeJS.Signals | null = null;

  const notify = (): void => {
    for (const listener of [...lineListeners]) listener();
  };
  const take = (stream: 'stdout' | 'stderr', text: string): void => {
    if (stream === 'stdout') stdout += text;
    else stderr += text;
    output += text;
    const pieces = (partial[stream] + text).split(/\r?\n/);
    partial[stream] = pieces.pop() ?? '';
    if (pieces.length > 0) {
      lines.push(...pieces);
      notify();
    }
  };
  child.stdout?.setEncoding('utf8').on('data', (text: string) => take('stdout', text));
  child.stderr?.setEncoding('utf8').on('data', (text: string) => take('stderr', text));

  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitCode = code;
      exitSignal = signal;
    });
    // 'close' comes after the last output, and only once every process holding the pipes is gone.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      for (const stream of ['stdout', 'stderr'] as const) {
        if (partial[stream] !== '') lines.push(partial[stream]);
        partial[stream] = '';
      }
      exit = { code: exitCode ?? code, signal: exitSignal ?? signal };
      live.delete(handle);
      notify();
      resolve(exit);
    });
  });

  const explain = (): string =>
    `${name} (pid ${pid})${spawnError ? ` failed to spawn: ${spawnError.message}` : ''}\n--- output ---\n${output.slice(-4000)}`;

  const waitForExit = async (timeoutMs = DEFAULT_EXIT_TIMEOUT_MS): Promise<ProcessExit> => {
    if (exit) return exit;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([exited, deadline]);
    clearTimeout(timer);
    if (outcome !== 'timeout') return outcome;
    killGroup(pid, 'SIGKILL');
    await exited;
    throw new Error(`${name} had not exited after ${timeoutMs} ms and was killed: ${explain()}`);
  };

  const handle: RunningProcess = {
    name,
    pid,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    get output() {
      return output;
    },
    get exit() {
      return exit;
    },
    exited,
    waitForLine(pattern, timeoutMs = DEFAULT_LINE_TIMEOUT_MS) {
      return new Promise<RegExpExecArray>((resolve, reject) => {
        let checked = 0;
        const check = (): void => {
          for (; checked < lines.length; checked++) {
            const match = pattern.exec(lines[checked] ?? '');
            if (match) return finish(() => resolve(match));
          }
          if (exit)
            finish(() =>
              reject(
                new Error(
                  `${name} exited (${JSON.stringify(exit)}) before printing a line matching ${String(pattern)}: ${explain()}`,
                ),
              ),
            );
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(`${name} printed no line matching ${String(pattern)} within ${timeoutMs} ms: ${explain()}`),
              ),
            ),
          timeoutMs,
        );
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          lineListeners.delete(check);
          settle();
        };
        lineListeners.add(check);
        check();
      });
    },
    signal(signal) {
      if (!exit) killGroup(pid, signal);
    },
    waitForExit,
    stop(signal = 'SIGINT', timeoutMs = DEFAULT_EXIT_TIMEOUT_MS) {
      handle.signal(signal);
      return waitForExit(timeoutMs);
    },
  };
  live.add(handle);
  return handle;
}

/** Runs a command to completion and returns its exit and output; kills it and rejects past the deadline. */
export async function runProcess(
  command: string,
  args: readonly string[],
  options: ProcessOptions & { timeoutMs?: number } = {},
): Promise<FinishedProcess> {
  const child = startProcess(command, args, options);
  const exit = await child.waitForExit(options.timeoutMs);
  return { ...exit, stdout: child.stdout, stderr: child.stderr, output: child.output };
}

/** Kills every process these helpers started that is still running, and waits for them to be gone. */
export async function stopAllProcesses(): Promise<void> {
  const running = [...live];
  for (const child of running) child.signal('SIGKILL');
  await Promise.all(running.map((child) => child.exited));
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    if (process.platform === 'win32') process.kill(pid, signal);
    else process.kill(-pid, signal);
  } catch (error) {
    // Already gone: nothing to stop.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
