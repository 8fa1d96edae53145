// Sealing provider keys: the headless key-file box, the desktop safeStorage box (driven here by a fake of
// Electron's two safeStorage calls, since the real one lives in Electron), how each treats the other's
// values, and what a client of a gateway on a shared data directory sees when a key cannot be opened.
import Anthropic from '@anthropic-ai/sdk';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asGatewayError } from '../../electron/gateway/errors.js';
import { FileKeySecretBox, SecretUnavailableError, sealedScheme } from '../../electron/secrets/secret-box.js';
import { createDesktopSecretBox, SafeStorageSecretBox, type SafeStorageApi } from '../../electron/shell/safe-storage.js';
import type { LogEntry } from '../../shared/schemas.js';
import { startTestGateway, tempDataDir, UPSTREAM_API_KEY, type TestGateway } from '../support/gateway.js';

/** Stands in for the OS keychain: a reversible transform that only "this machine" can undo. */
function fakeSafeStorage(overrides: Partial<SafeStorageApi> = {}): SafeStorageApi & { encrypted: string[] } {
  const encrypted: string[] = [];
  return {
    encrypted,
    encryptString: (plain) => {
      encrypted.push(plain);
      return Buffer.from(`keychain|${[...plain].reverse().join('')}`);
    },
    decryptString: (buffer) => {
      const text = buffer.toString('utf8');
      if (!text.startsWith('keychain|')) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return [...text.slice('keychain|'.length)].reverse().join('');
    },
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    ...overrides,
  };
}

let dir: string;
let keyFile: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'tollgate-secrets-'));
  keyFile = join(dir, 'secret.key');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('the headless key-file box', () => {
  it('seals with the v1 scheme and opens its own values', () => {
    const box = FileKeySecretBox.loadOrCreate(keyFile);
    const sealed = box.seal('sk-ant-api03-secret');
    expect(sealedScheme(sealed)).toBe('v1');
    expect(sealed).not.toContain('sk-ant');
    expect(box.open(sealed)).toBe('sk-ant-api03-secret');
  });

  it('says it protects the key only with file permissions', () => {
    expect(FileKeySecretBox.loadOrCreate(keyFile).protection).toMatch(/only by file permissions/);
  });

  it('refuses a value the desktop app sealed with the keychain, naming the cause and the fix', () => {
    const desktop = new SafeStorageSecretBox(fakeSafeStorage(), keyFile, 'keychain');
    const error = thrown(() => FileKeySecretBox.loadOrCreate(keyFile).open(desktop.seal('sk-ant-api03-secret')));
    expect(error).toBeInstanceOf(SecretUnavailableError);
    const message = (error as Error).message;
    expect(message).toMatch(/desktop app/);
    expect(message).toMatch(/keychain/);
    expect(message).toMatch(/Providers page/);
    expect(message).toMatch(/ANTHROPIC_API_KEY/);
  });

  it('refuses a value sealed with another key file, naming the file', () => {
    const sealed = FileKeySecretBox.loadOrCreate(join(dir, 'other.key')).seal('sk-ant-api03-secret');
    const error = thrown(() => FileKeySecretBox.loadOrCreate(keyFile).open(sealed));
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toContain(keyFile);
  });

  it('refuses a value in no known scheme', () => {
    expect(thrown(() => FileKeySecretBox.loadOrCreate(keyFile).open('v9:abc'))).toBeInstanceOf(SecretUnavailableError);
  });
});

describe('the desktop safeStorage box', () => {
  it('seals with the keychain under the os1 scheme and opens its own values', () => {
    const safeStorage = fakeSafeStorage();
    const box = new SafeStorageSecretBox(safeStorage, keyFile, 'keychain');
    const sealed = box.seal('sk-ant-api03-secret');
    expect(sealedScheme(sealed)).toBe('os1');
    expect(safeStorage.encrypted).toEqual(['sk-ant-api03-secret']);
    expect(sealed).not.toContain('sk-ant');
    expect(box.open(sealed)).toBe('sk-ant-api03-secret');
  });

  it('opens values the headless gateway sealed in the same data directory', () => {
    const sealed = FileKeySecretBox.loadOrCreate(keyFile).seal('sk-ant-api03-from-serve');
    expect(new SafeStorageSecretBox(fakeSafeStorage(), keyFile, 'keychain').open(sealed)).toBe('sk-ant-api03-from-serve');
  });

  it('refuses a headless value whose key file is gone, without creating a new key', () => {
    const sealed = FileKeySecretBox.loadOrCreate(keyFile).seal('sk-ant-api03-from-serve');
    rmSync(keyFile);
    const error = thrown(() => new SafeStorageSecretBox(fakeSafeStorage(), keyFile, 'keychain').open(sealed));
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toContain(`${keyFile}, which is missing`);
    expect(existsSync(keyFile)).toBe(false);
  });

  it('turns a keychain that cannot decrypt into a refusal that says so', () => {
    const sealed = new SafeStorageSecretBox(fakeSafeStorage(), keyFile, 'keychain').seal('sk-ant-api03-secret');
    const otherMachine = fakeSafeStorage({
      decryptString: () => {
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      },
    });
    const error = thrown(() => new SafeStorageSecretBox(otherMachine, keyFile, 'keychain').open(sealed));
    expect(error).toBeInstanceOf(SecretUnavailableError);
    expect((error as Error).message).toMatch(/keychain refused to decrypt it/);
  });

  it('is a refusal in the Anthropic error shape, not an internal error', () => {
    const refusal = asGatewayError(new SecretUnavailableError('cause'));
    expect(refusal.status).toBe(500);
    expect(refusal.type).toBe('api_error');
    expect(refusal.message).toMatch(/^Tollgate cannot decrypt its stored Anthropic API key: cause\./);
    expect(refusal.headers['x-should-retry']).toBe('false');
  });
});

describe('choosing the desktop box', () => {
  it('uses the keychain when a real password store backs safeStorage on Linux', () => {
    const box = createDesktopSecretBox(fakeSafeStorage(), keyFile, 'linux');
    expect(box).toBeInstanceOf(SafeStorageSecretBox);
    expect(box.protection).toMatch(/Secret Service/);
    expect(sealedScheme(box.seal('x'))).toBe('os1');
  });

  it("falls back to the key file on Linux's basic_text store, and says why", () => {
    const box = createDesktopSecretBox(fakeSafeStorage({ getSelectedStorageBackend: () => 'basic_text' }), keyFile, 'linux');
    expect(sealedScheme(box.seal('x'))).toBe('v1');
    expect(box.protection).toMatch(/basic_text/);
    expect(box.protection).toMatch(/only by file permissions/);
  });

  it('falls back to the key file when safeStorage has no encryption, and says why', () => {
    const box = createDesktopSecretBox(fakeSafeStorage({ isEncryptionAvailable: () => false }), keyFile, 'win32');
    expect(sealedScheme(box.seal('x'))).toBe('v1');
    expect(box.protection).toMatch(/no encryption available/);
  });

  it('names the macOS Keychain and never asks for a Linux backend there', () => {
    const box = createDesktopSecretBox(
      fakeSafeStorage({
        getSelectedStorageBackend: () => {
          throw new Error('getSelectedStorageBackend is Linux-only');
        },
      }),
      keyFile,
      'darwin',
    );
    expect(box.protection).toMatch(/macOS Keychain/);
  });
});

describe('a data directory shared by the desktop app and npm run serve', () => {
  const running: TestGateway[] = [];
  let dataDir: string;

  beforeEach(() => {
    dataDir = tempDataDir();
  });

  afterEach(async () => {
    for (const handle of running.splice(0)) {
      await handle.gateway.close();
      await handle.upstream.close();
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(secretBox?: SafeStorageSecretBox): Promise<TestGateway> {
    const handle = await startTestGateway({ gateway: { dataDir, ...(secretBox && { secretBox }) } });
    running.push(handle);
    return handle;
  }

  async function stop(handle: TestGateway): Promise<void> {
    running.splice(running.indexOf(handle), 1);
    await handle.gateway.close();
    await handle.upstream.close();
  }

  const ask = (handle: TestGateway, key: string): Promise<Anthropic.Message> =>
    new Anthropic({ baseURL: handle.url, authToken: key, maxRetries: 0 }).messages.create({
      model: 'claude-sonnet-4-6',
      max_tokens: 16,
      messages: [{ role: 'user', content: 'hi' }],
    });

  it('lets the desktop app forward with a provider key the headless gateway stored', async () => {
    const headless = await start();
    const key = await headless.createKey('laptop');
    await stop(headless);

    const desktop = await start(new SafeStorageSecretBox(fakeSafeStorage(), join(dataDir, 'secret.key'), 'keychain'));
    await ask(desktop, key.value);
    expect(desktop.upstream.messageRequests()[0]?.headers['x-api-key']).toBe(UPSTREAM_API_KEY);
  });

  it('gives a headless client a clear refusal, and a log row, for a key only the desktop keychain can open', async () => {
    const desktop = await start(new SafeStorageSecretBox(fakeSafeStorage(), join(dataDir, 'secret.key'), 'keychain'));
    const key = await desktop.createKey('laptop');
    await stop(desktop);

    const headless = await start();
    const refusal = await ask(headless, key.value).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(Anthropic.InternalServerError);
    const apiError = refusal as InstanceType<typeof Anthropic.InternalServerError>;
    expect(apiError.message).toMatch(/sealed by the Tollgate desktop app/);
    expect(apiError.message).toMatch(/Providers page/);
    expect(headless.upstream.messageRequests()).toHaveLength(0);

    const deadline = Date.now() + 10_000;
    let rows: LogEntry[] = [];
    while (rows.length === 0) {
      if (Date.now() > deadline) throw new Error('no log row for the refused request within 10 s');
      rows = (await headless.admin<{ logs: LogEntry[] }>('GET', '/api/logs?limit=10')).body.logs;
      if (rows.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(rows[0]?.status_code).toBe(500);
    expect(rows[0]?.error_message).toMatch(/desktop app/);
  });
});
