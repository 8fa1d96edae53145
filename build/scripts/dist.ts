// `npm run dist`: installers for this platform (AppImage and deb, dmg, or NSIS; build/electron-builder.yml).
// Same checks and steps as `npm start` (Electron binary, fetched once if missing, electron-vite build, the Electron build of
// better-sqlite3), then stages that binding where the builder config takes it from and runs
// electron-builder with the local Electron as electronDist, so nothing is downloaded or rebuilt in
// node_modules. Arguments after `--` go to electron-builder (e.g. `-- --linux deb`).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { BINDING_FILE, NativeBuildError } from '../../electron/shell/native-binding.js';
import { prepareElectron } from './prepare-electron.js';

const root = resolve(import.meta.dirname, '..', '..');
/** build/electron-builder.yml copies extraResources/native from here. */
const STAGED_NATIVE_DIR = join(root, 'out', 'native', 'package');
const log = (line: string): void => console.error(`tollgate: ${line}`);

async function main(): Promise<void> {
  // A missing Electron or SQLite build is a NativeBuildError, printed as is below.
  const { electron, binding } = await prepareElectron(root, log);
  mkdirSync(STAGED_NATIVE_DIR, { recursive: true });
  copyFileSync(binding, join(STAGED_NATIVE_DIR, BINDING_FILE));

  const builder = createRequire(join(root, 'package.json')).resolve('electron-builder/cli.js');
  const result = spawnSync(
    process.execPath,
    [
      builder,
      '--config',
      join(root, 'build', 'electron-builder.yml'),
      `-c.electronVersion=${electron.version}`,
      `-c.electronDist=${electron.distDir}`,
      ...process.argv.slice(2),
    ],
    { cwd: root, stdio: 'inherit' },
  );
  process.exit(result.status ?? 1);
}

main().catch((error: unknown) => {
  if (error instanceof NativeBuildError) log(error.message);
  else console.error('tollgate: npm run dist failed:', error);
  process.exit(1);
});
