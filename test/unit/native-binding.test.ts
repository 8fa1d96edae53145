// better-sqlite3 for Electron: where its build is cached, when it is rebuilt, the node-gyp command that
// builds it against Electron's headers (never Node's), how the Electron binary is found without starting
// a download, and which binding the main process loads in each situation.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BINDING_FILE,
  electronMissingMessage,
  findElectron,
  nativeBuildEnv,
  nativeCacheDir,
  nodeGypArgs,
  prebuildInstallArgs,
  readStamp,
  rebuildReason,
  resolveSqliteBinding,
  stampFile,
  type BuildStamp,
} from '../../electron/shell/native-binding.js';

const target = { electronVersion: '45.4.1', platform: 'linux', arch: 'x64' } as const;
const stamp: BuildStamp = { ...target, betterSqlite3Version: '12.11.1' };

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'tollgate-native-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('the Electron build cache', () => {
  it('lives under out/native, one folder per Electron version, platform and arch', () => {
    expect(nativeCacheDir('/project', target)).toBe(join('/project', 'out', 'native', 'electron-45.4.1-linux-x64'));
    expect(nativeCacheDir('/project', target)).not.toContain(join('node_modules', 'better-sqlite3'));
    expect(nativeCacheDir('/project', { ...target, electronVersion: '46.0.0' })).not.toBe(nativeCacheDir('/project', target));
  });

  it('reads back the stamp a build left, and nothing from a missing or malformed one', () => {
    expect(readStamp(root)).toBeNull();
    writeFileSync(stampFile(root), JSON.stringify(stamp));
    expect(readStamp(root)).toEqual(stamp);
    writeFileSync(stampFile(root), '{"electronVersion": 45}');
    expect(readStamp(root)).toBeNull();
    writeFileSync(stampFile(root), 'not json');
    expect(readStamp(root)).toBeNull();
  });
});

describe('deciding to rebuild', () => {
  it('builds when there is no binding yet', () => {
    expect(rebuildReason({ bindingExists: false, stamp }, stamp)).toMatch(/no Electron build/);
  });

  it('builds when the binding has no stamp saying what it was built for', () => {
    expect(rebuildReason({ bindingExists: true, stamp: null }, stamp)).toMatch(/no record/);
  });

  it('rebuilds when Electron or better-sqlite3 changed version', () => {
    expect(rebuildReason({ bindingExists: true, stamp }, { ...stamp, electronVersion: '45.5.0' })).toMatch(
      /electronVersion 45\.4\.1, this install has 45\.5\.0/,
    );
    expect(rebuildReason({ bindingExists: true, stamp }, { ...stamp, betterSqlite3Version: '12.12.0' })).toMatch(/betterSqlite3Version/);
  });

  it('keeps a binding built for exactly this install', () => {
    expect(rebuildReason({ bindingExists: true, stamp }, { ...stamp })).toBeNull();
  });
});

describe('the node-gyp command', () => {
  it("builds a release against Electron's headers for the target version and arch", () => {
    const args = nodeGypArgs({ ...target, devDir: '/home/me/.electron-gyp' });
    expect(args.slice(0, 2)).toEqual(['rebuild', '--release']);
    expect(args).toContain('--runtime=electron');
    expect(args).toContain('--target=45.4.1');
    expect(args).toContain('--arch=x64');
    expect(args).toContain('--dist-url=https://www.electronjs.org/headers');
    expect(args).toContain('--devdir=/home/me/.electron-gyp');
    expect(args.some((arg) => arg.startsWith('--nodedir'))).toBe(false);
  });

  it('uses unpacked headers instead of downloading them when given', () => {
    const args = nodeGypArgs({ ...target, devDir: '/d', headersDir: '/opt/electron-headers' });
    expect(args).toContain('--nodedir=/opt/electron-headers');
    expect(args.some((arg) => arg.startsWith('--dist-url'))).toBe(false);
  });

  it("drops npm's configuration, so ~/.npmrc's nodedir (Node's headers) cannot leak into Electron's build", () => {
    const env = nativeBuildEnv({ PATH: '/usr/bin', npm_config_nodedir: '/usr', NPM_CONFIG_TARGET: '20.20.2', HOME: '/home/me' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/me' });
  });

  it("asks prebuild-install for better-sqlite3's published Electron build of the same target", () => {
    expect(prebuildInstallArgs(target)).toEqual(['--runtime=electron', '--target=45.4.1', '--arch=x64', '--platform=linux']);
  });
});

describe('finding the Electron binary', () => {
  function fakeElectronPackage(pathTxt?: string): void {
    mkdirSync(join(root, 'node_modules', 'electron'), { recursive: true });
    writeFileSync(join(root, 'node_modules', 'electron', 'package.json'), JSON.stringify({ version: '45.4.1' }));
    if (pathTxt !== undefined) writeFileSync(join(root, 'node_modules', 'electron', 'path.txt'), pathTxt);
  }

  it('reports a package without its binary as not installed, with one message naming the way to get it', () => {
    fakeElectronPackage();
    const install = findElectron(root, {}, 'linux');
    expect(install).toMatchObject({ version: '45.4.1', installed: false });
    expect(install.executable).toBe(join(root, 'node_modules', 'electron', 'dist', 'electron'));
    const message = electronMissingMessage(install);
    expect(message).toMatch(/^Electron binary not installed/);
    expect(message).toContain('npx install-electron');
    expect(message).not.toContain('\n');
  });

  it("finds the binary where electron's installer put it", () => {
    fakeElectronPackage('Electron.app/Contents/MacOS/Electron');
    const executable = join(root, 'node_modules', 'electron', 'dist', 'Electron.app', 'Contents', 'MacOS', 'Electron');
    mkdirSync(join(executable, '..'), { recursive: true });
    writeFileSync(executable, '');
    expect(findElectron(root, {}, 'darwin')).toMatchObject({ executable, installed: true });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH, as electron itself does', () => {
    fakeElectronPackage();
    const dist = join(root, 'elsewhere');
    mkdirSync(dist);
    writeFileSync(join(dist, 'electron.exe'), '');
    expect(findElectron(root, { ELECTRON_OVERRIDE_DIST_PATH: dist }, 'win32')).toMatchObject({
      executable: join(dist, 'electron.exe'),
      installed: true,
      distDir: dist,
    });
  });

  it('reads the real install without loading electron (which would try to download it)', () => {
    const install = findElectron(join(import.meta.dirname, '..', '..'));
    expect(install.version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('which binding the main process loads', () => {
  const context = { ...target, env: {}, packaged: false, resourcesPath: '/opt/Tollgate/resources', appPath: '/project' };

  it('takes TOLLGATE_SQLITE_BINDING first', () => {
    expect(resolveSqliteBinding({ ...context, packaged: true, env: { TOLLGATE_SQLITE_BINDING: '/x/b.node' } })).toBe('/x/b.node');
  });

  it("loads the packaged app's own build from its resources", () => {
    expect(resolveSqliteBinding({ ...context, packaged: true })).toBe(join('/opt/Tollgate/resources', 'native', BINDING_FILE));
  });

  it('loads the development cache npm start fills, never node_modules', () => {
    expect(resolveSqliteBinding(context)).toBe(join(nativeCacheDir('/project', target), BINDING_FILE));
  });
});
