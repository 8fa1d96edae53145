// Getting the Electron binary that `npm install` does not fetch (electron 45 has no install script), for
// `npm start` and `npm run dist` alike: Electron's own installer, run once, with a bounded wait.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findElectron, type ElectronInstall } from '../../electron/shell/native-binding.js';

/** Electron is about 100 MB; a connection that cannot fetch it in this long is given up on. */
const INSTALL_TIMEOUT_MS = 3 * 60_000;

/** Runs electron's own installer (what `npx install-electron` runs) once; answers where Electron is afterwards. */
export function fetchElectron(root: string, missing: ElectronInstall, log: (line: string) => void): ElectronInstall {
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
