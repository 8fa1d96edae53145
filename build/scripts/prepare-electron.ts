// What `npm start` and `npm run dist` both do before Electron can run or be packaged: find the Electron
// binary, which `npm install` does not fetch (electron 45 has no install script), and fetch it once with
// Electron's own installer and a bounded wait if missing; build with electron-vite; make the Electron
// build of better-sqlite3 if needed.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'electron-vite';
import {
  electronMissingMessage,
  ensureElectronSqlite,
  findElectron,
  NativeBuildError,
  type ElectronInstall,
} from '../../electron/shell/native-binding.js';

/** Electron is about 100 MB; a connection that cannot fetch it in this long is given up on. */
const INSTALL_TIMEOUT_MS = 3 * 60_000;

/** Runs electron's own installer (what `npx install-electron` runs) once; answers where Electron is afterwards. */
function fetchElectron(root: string, missing: ElectronInstall, log: (line: string) => void): ElectronInstall {
  // CI and offline machines have no use for a 100 MB download attempt; ELECTRON_OVERRIDE_DIST_PATH
  // means the binary is meant to be elsewhere.
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH || process.env.CI) return missing;
  log(`Electron ${missing.version} is not installed yet; fetching it (about 100 MB) with Electron's own installer…`);
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: INSTALL_TIMEOUT_MS,
    encoding: 'utf8',
  });
  const found = findElectron(root);
  if (!found.installed) {
    const reason = result.error?.message ?? result.stderr.trim().split('\n').find((line) => /error/i.test(line));
    log(`could not fetch Electron${reason ? `: ${reason.trim()}` : ''}`);
  }
  return found;
}

/**
 * Electron installed (fetched if need be), the app built, and the path of the Electron build of
 * better-sqlite3. Throws NativeBuildError, its message fit to print as is, when Electron or that
 * build cannot be had, before building anything if it is Electron that is missing.
 */
export async function prepareElectron(
  root: string,
  log: (line: string) => void,
): Promise<{ electron: ElectronInstall; binding: string }> {
  let electron = findElectron(root);
  if (!electron.installed) electron = fetchElectron(root, electron, log);
  if (!electron.installed) throw new NativeBuildError(electronMissingMessage(electron));
  await build({ root, logLevel: 'warn' });
  return { electron, binding: ensureElectronSqlite(root, electron, log) };
}
