// Makes sure an Electron-ABI better_sqlite3.node exists in out/native/electron-<version>-<platform>-<arch>,
// for `npm start` and `npm run dist`. It builds in a copy of better-sqlite3's sources inside that
// folder, so node_modules/better-sqlite3/build (the build Node's tests load) is never touched. First it
// asks prebuild-install for better-sqlite3's published Electron build; failing that, node-gyp compiles
// against Electron's headers.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  BINDING_FILE,
  ELECTRON_HEADERS_URL,
  nativeBuildEnv,
  nativeCacheDir,
  nodeGypArgs,
  prebuildInstallArgs,
  readStamp,
  rebuildReason,
  stampFile,
  type BuildStamp,
  type ElectronInstall,
} from '../../electron/shell/native-binding.js';

export class NativeBuildError extends Error {}

/** Returns the path of the Electron build of better-sqlite3, building it first when needed. */
export function ensureElectronSqlite(projectRoot: string, electron: ElectronInstall, log: (line: string) => void): string {
  const moduleDir = join(projectRoot, 'node_modules', 'better-sqlite3');
  const { version: betterSqlite3Version } = JSON.parse(readFileSync(join(moduleDir, 'package.json'), 'utf8')) as { version: string };
  const wanted: BuildStamp = { electronVersion: electron.version, platform: process.platform, arch: process.arch, betterSqlite3Version };
  const cacheDir = nativeCacheDir(projectRoot, wanted);
  const binding = join(cacheDir, BINDING_FILE);
  const reason = rebuildReason({ bindingExists: existsSync(binding), stamp: readStamp(cacheDir) }, wanted);
  if (!reason) return binding;

  log(`better-sqlite3 ${betterSqlite3Version} for Electron ${electron.version} (${process.platform}-${process.arch}): building, because ${reason}`);
  const workDir = join(cacheDir, 'better-sqlite3');
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  for (const entry of ['package.json', 'binding.gyp', 'src', 'deps']) {
    cpSync(join(moduleDir, entry), join(workDir, entry), { recursive: true });
  }
  const built = join(workDir, 'build', 'Release', BINDING_FILE);
  const require = createRequire(join(projectRoot, 'package.json'));
  const env = nativeBuildEnv(process.env);

  const prebuilt = spawnSync(process.execPath, [require.resolve('prebuild-install/bin.js'), ...prebuildInstallArgs(wanted)], {
    cwd: workDir,
    env,
    stdio: 'ignore',
  });
  if (prebuilt.status === 0 && existsSync(built)) {
    log('  fetched the published Electron build (prebuild-install)');
  } else {
    log('  no published build could be fetched; compiling with node-gyp (a few minutes)');
    const headersDir = process.env.TOLLGATE_ELECTRON_HEADERS;
    const compiled = spawnSync(
      process.execPath,
      [require.resolve('node-gyp/bin/node-gyp.js'), ...nodeGypArgs({ ...wanted, headersDir, devDir: join(homedir(), '.electron-gyp') })],
      { cwd: workDir, env, stdio: 'inherit' },
    );
    if (compiled.status !== 0 || !existsSync(built)) {
      throw new NativeBuildError(
        `could not build better-sqlite3 for Electron ${electron.version}: node-gyp ${compiled.error ? `failed to start (${compiled.error.message})` : `exited with ${compiled.status ?? compiled.signal}`}. ` +
          `It needs Electron's headers (downloaded from ${ELECTRON_HEADERS_URL}, or TOLLGATE_ELECTRON_HEADERS=<unpacked headers folder> offline), Python 3 and a C++20 compiler.`,
      );
    }
  }
  copyFileSync(built, binding);
  writeFileSync(stampFile(cacheDir), JSON.stringify(wanted, null, 2) + '\n');
  rmSync(workDir, { recursive: true, force: true });
  log(`  ${binding}`);
  return binding;
}
