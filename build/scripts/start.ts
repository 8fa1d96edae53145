// `npm start`: Tollgate from this checkout, the best way this machine allows. The desktop app needs the
// Electron binary, which `npm install` does not fetch (electron 45 has no install script): when it is
// missing, Electron's own installer is run once. Then electron-vite builds, the Electron build of
// better-sqlite3 is made if needed (electron/shell/native-binding.ts) and Electron runs the project
// with that binding. Where the binary or the native build cannot be had (offline machines, CI), the
// same gateway core starts headless on the same data directory instead, and says so plainly.
// Arguments after `--` go to Electron, or to the headless gateway (`npm start -- --lan`).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NativeBuildError } from '../../electron/shell/native-binding.js';
import { prepareElectron } from './prepare-electron.js';

const root = resolve(import.meta.dirname, '..', '..');
const log = (line: string): void => console.error(`tollgate: ${line}`);
/** The headless gateway in this process: its signal handling stays the only one (npm start runs under node --import tsx). */
async function startHeadless(why: string): Promise<void> {
  log(`${why}`);
  log('starting the headless gateway instead: the same gateway, data directory and dashboard, without the tray.');
  process.argv = [process.argv[0] ?? process.execPath, join(root, 'electron', 'headless.ts'), ...process.argv.slice(2)];
  await import(pathToFileURL(join(root, 'electron', 'headless.ts')).href);
}

async function main(): Promise<void> {
  let prepared;
  try {
    prepared = await prepareElectron(root, log);
  } catch (error) {
    if (!(error instanceof NativeBuildError)) throw error;
    return startHeadless(error.message);
  }
  const { electron, binding } = prepared;

  const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_SQLITE_BINDING: binding };
  // Left over from a shell that ran Electron as Node, it would start Node instead of the app.
  delete env.ELECTRON_RUN_AS_NODE;
  // Chromium refuses to run as root with its sandbox on (containers, CI); the windows stay sandboxed otherwise.
  const rootArgs = process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const app = spawn(electron.executable, [...rootArgs, root, ...process.argv.slice(2)], { stdio: 'inherit', env });
  // Ctrl-C in a terminal reaches Electron directly (same process group); a signal sent to this
  // process alone (a service manager) is passed on.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.kill(signal));
  app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: unknown) => {
  console.error('tollgate: npm start failed:', error);
  process.exit(1);
});
