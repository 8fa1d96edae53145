// better-sqlite3 for Electron's ABI, kept apart from Node's. Node's tests load
// node_modules/better-sqlite3/build; the desktop app loads its own build from a cache under out/native
// (in development) or from the packaged app's resources. This module owns where that build lives, when
// it must be rebuilt, building it, where the Electron binary is, and which binding the main process
// loads. Plain Node with no Electron import: `npm start`, `npm run dist` and the Electron tests use it too.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const BINDING_FILE = 'better_sqlite3.node';
/** Where Electron publishes the headers node-gyp compiles against. */
export const ELECTRON_HEADERS_URL = 'https://www.electronjs.org/headers';

export interface NativeTarget {
  electronVersion: string;
  platform: NodeJS.Platform;
  arch: string;
}

/** What a cached build was built for; a different one means building again. */
export interface BuildStamp extends NativeTarget {
  betterSqlite3Version: string;
}

/** out/native/electron-<version>-<platform>-<arch>: one folder per target, so switching Electron versions never mixes builds. */
export function nativeCacheDir(projectRoot: string, target: NativeTarget): string {
  return join(projectRoot, 'out', 'native', `electron-${target.electronVersion}-${target.platform}-${target.arch}`);
}

export const stampFile = (cacheDir: string): string => join(cacheDir, 'build-stamp.json');

/** Why the cached binding must be (re)built, or null when it is good to use. */
export function rebuildReason(cached: { bindingExists: boolean; stamp: BuildStamp | null }, wanted: BuildStamp): string | null {
  if (!cached.bindingExists) return 'no Electron build of better-sqlite3 yet';
  if (!cached.stamp) return 'the cached build has no record of what it was built for';
  for (const field of ['electronVersion', 'betterSqlite3Version', 'platform', 'arch'] as const) {
    if (cached.stamp[field] !== wanted[field]) {
      return `the cached build is for ${field} ${cached.stamp[field]}, this install has ${wanted[field]}`;
    }
  }
  return null;
}

export function readStamp(cacheDir: string): BuildStamp | null {
  try {
    const value: unknown = JSON.parse(readFileSync(stampFile(cacheDir), 'utf8'));
    if (typeof value !== 'object' || value === null) return null;
    const stamp = value as Partial<Record<keyof BuildStamp, unknown>>;
    const { electronVersion, betterSqlite3Version, platform, arch } = stamp;
    if (typeof electronVersion !== 'string' || typeof betterSqlite3Version !== 'string') return null;
    if (typeof platform !== 'string' || typeof arch !== 'string') return null;
    return { electronVersion, betterSqlite3Version, platform: platform as NodeJS.Platform, arch };
  } catch {
    return null;
  }
}

export interface NodeGypOptions extends NativeTarget {
  /** Unpacked Electron headers (an offline machine); otherwise node-gyp downloads them from Electron's server. */
  headersDir?: string | undefined;
  /** Where node-gyp keeps downloaded headers (@electron/rebuild's ~/.electron-gyp, so the two share them). */
  devDir: string;
  jobs?: number;
}

/** node-gyp's arguments for building better-sqlite3 against Electron's headers, never Node's. */
export function nodeGypArgs(options: NodeGypOptions): string[] {
  return [
    'rebuild',
    '--release',
    '--runtime=electron',
    `--target=${options.electronVersion}`,
    `--arch=${options.arch}`,
    options.headersDir ? `--nodedir=${options.headersDir}` : `--dist-url=${ELECTRON_HEADERS_URL}`,
    `--devdir=${options.devDir}`,
    `--jobs=${options.jobs ?? 'max'}`,
  ];
}

/** prebuild-install's arguments for fetching better-sqlite3's published Electron build, tried before compiling. */
export function prebuildInstallArgs(target: NativeTarget): string[] {
  return ['--runtime=electron', `--target=${target.electronVersion}`, `--arch=${target.arch}`, `--platform=${target.platform}`];
}

/**
 * The environment for node-gyp and prebuild-install: npm passes its configuration down as npm_config_*
 * variables, and node-gyp obeys them over nothing else, so a `nodedir=/usr` in ~/.npmrc (Node's headers)
 * would silently build for Node's ABI. Electron's build gets none of them.
 */
export function nativeBuildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_config_/i.test(name)));
}

// ---- the Electron binary ----------------------------------------------------------------------------

/** The executable inside node_modules/electron/dist, as electron's own install script names it. */
export function electronExecutableName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (platform === 'win32') return 'electron.exe';
  return 'electron';
}

export interface ElectronInstall {
  version: string;
  /** The executable, whether or not it exists. */
  executable: string;
  installed: boolean;
  /** The folder electron-builder can package from (electronDist), so it need not download Electron again. */
  distDir: string;
}

/**
 * Finds the Electron binary without `require('electron')`, which would start a download when it is
 * missing. ELECTRON_OVERRIDE_DIST_PATH is electron's own way to point at a binary elsewhere.
 */
export function findElectron(projectRoot: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): ElectronInstall {
  const packageDir = join(projectRoot, 'node_modules', 'electron');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const distDir = env.ELECTRON_OVERRIDE_DIST_PATH || join(packageDir, 'dist');
  const pathFile = join(packageDir, 'path.txt');
  const name = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : electronExecutableName(platform);
  const executable = join(distDir, name);
  return { version, executable, installed: existsSync(executable), distDir };
}

/** One message, not a stack trace, for a machine without the Electron binary. */
export function electronMissingMessage(install: ElectronInstall): string {
  return (
    `Electron binary not installed (${install.executable} is missing). ` +
    `Download Electron ${install.version} with \`npx install-electron\` (electron's own installer, from GitHub), ` +
    `or point ELECTRON_OVERRIDE_DIST_PATH at an unpacked Electron ${install.version}; then run this again. ` +
    'The headless gateway needs no Electron: npm run serve.'
  );
}

// ---- which binding the main process loads ------------------------------------------------------------

export interface BindingContext extends NativeTarget {
  env: NodeJS.ProcessEnv;
  /** app.isPackaged */
  packaged: boolean;
  /** process.resourcesPath: the packaged app's extraResources. */
  resourcesPath: string;
  /** app.getAppPath(): the project root in development. */
  appPath: string;
}

/**
 * TOLLGATE_SQLITE_BINDING first (npm start and the tests hand it over), then the packaged app's
 * resources/native, then the development cache `npm start` fills.
 */
export function resolveSqliteBinding(context: BindingContext): string {
  if (context.env.TOLLGATE_SQLITE_BINDING) return context.env.TOLLGATE_SQLITE_BINDING;
  if (context.packaged) return join(context.resourcesPath, 'native', BINDING_FILE);
  return join(nativeCacheDir(context.appPath, context), BINDING_FILE);
}

// ---- building it ---------------------------------------------------------------------------------------

export class NativeBuildError extends Error {}

/**
 * The path of the Electron build of better-sqlite3, built first when rebuildReason() says so. It builds
 * in a copy of better-sqlite3's sources inside the cache folder, so node_modules/better-sqlite3/build
 * (the build Node's tests load) is never touched: first prebuild-install fetches the published Electron
 * build; failing that, node-gyp compiles against Electron's headers.
 */
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
      const outcome = compiled.error ? `failed to start (${compiled.error.message})` : `exited with ${compiled.status ?? compiled.signal}`;
      throw new NativeBuildError(
        `could not build better-sqlite3 for Electron ${electron.version}: node-gyp ${outcome}. ` +
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
