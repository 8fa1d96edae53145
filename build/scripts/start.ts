// `npm start`: the desktop app from this checkout. Checks the Electron binary first (so a machine
// without it fails in a second with one line, not after a build), builds with electron-vite, makes sure
// the Electron build of better-sqlite3 exists (electron/shell/native-binding.ts), then runs Electron on the
// project with that binding handed to the main process. Arguments after `--` go to Electron.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { build } from 'electron-vite';
import { electronMissingMessage, ensureElectronSqlite, findElectron, NativeBuildError } from '../../electron/shell/native-binding.js';

const root = resolve(import.meta.dirname, '..', '..');
const log = (line: string): void => console.error(`tollgate: ${line}`);

async function main(): Promise<void> {
  const electron = findElectron(root);
  if (!electron.installed) {
    log(electronMissingMessage(electron));
    process.exit(1);
  }
  await build({ root, logLevel: 'warn' });
  const binding = ensureElectronSqlite(root, electron, log);

  const env: NodeJS.ProcessEnv = { ...process.env, TOLLGATE_SQLITE_BINDING: binding };
  // Left over from a shell that ran Electron as Node, it would start Node instead of the app.
  delete env.ELECTRON_RUN_AS_NODE;
  // Chromium refuses to run as root with its sandbox on (containers, CI); the windows stay sandboxed otherwise.
  const rootArgs = process.platform === 'linux' && process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  const app = spawn(electron.executable, [...rootArgs, root, ...process.argv.slice(2)], { stdio: 'inherit', env });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.kill(signal));
  app.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error: unknown) => {
  if (error instanceof NativeBuildError) log(error.message);
  else console.error('tollgate: npm start failed:', error);
  process.exit(1);
});
