// The desktop app's SecretBox: provider keys sealed with Electron's safeStorage (macOS Keychain,
// Windows DPAPI, libsecret or KWallet on Linux). It still opens values the headless gateway sealed with
// the data directory's key file, so a directory shared with `npm run serve` keeps working; new values
// are sealed with the keychain. Where safeStorage protects nothing (unavailable, or Linux's
// 'basic_text' store with its hard-coded password) it falls back to the key-file box and says so.
// Electron's safeStorage is passed in, not imported, so Node tests drive this module with a fake.
import type { SafeStorage } from 'electron';
import { existsSync } from 'node:fs';
import { FileKeySecretBox, SEALED_SCHEMES, SecretUnavailableError, sealedScheme, type SecretBox } from '../secrets/secret-box.js';

/** The two safeStorage calls the box needs. Synchronous because SecretBox is: the proxy opens keys on the hot path. */
export type SafeStorageCrypto = Pick<SafeStorage, 'encryptString' | 'decryptString'>;
/** What choosing a box needs to ask safeStorage. */
export type SafeStorageApi = SafeStorageCrypto & Pick<SafeStorage, 'isEncryptionAvailable' | 'getSelectedStorageBackend'>;
type LinuxBackend = ReturnType<SafeStorage['getSelectedStorageBackend']>;

const PREFIX = `${SEALED_SCHEMES.osKeychain}:`;

export class SafeStorageSecretBox implements SecretBox {
  private fileKeyBox: FileKeySecretBox | null | undefined;

  constructor(
    private readonly crypto: SafeStorageCrypto,
    /** <data dir>/secret.key: where values sealed by the headless gateway get their key. */
    private readonly keyFile: string,
    readonly protection: string,
  ) {}

  seal(plain: string): string {
    return PREFIX + this.crypto.encryptString(plain).toString('base64');
  }

  open(sealed: string): string {
    const scheme = sealedScheme(sealed);
    if (scheme === SEALED_SCHEMES.fileKey) return this.openFileKeySealed(sealed);
    if (scheme !== SEALED_SCHEMES.osKeychain) {
      throw new SecretUnavailableError('the stored value is in a format this version of Tollgate does not recognise');
    }
    try {
      return this.crypto.decryptString(Buffer.from(sealed.slice(PREFIX.length), 'base64'));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new SecretUnavailableError(
        `the operating system's keychain refused to decrypt it (${detail}); it may have been sealed by another user account or machine`,
      );
    }
  }

  private openFileKeySealed(sealed: string): string {
    // Loaded on first use, never created: a new key could not open anything sealed before.
    if (this.fileKeyBox === undefined) this.fileKeyBox = existsSync(this.keyFile) ? FileKeySecretBox.load(this.keyFile) : null;
    if (!this.fileKeyBox) {
      throw new SecretUnavailableError(`it was sealed by the headless gateway with the key in ${this.keyFile}, which is missing`);
    }
    return this.fileKeyBox.open(sealed);
  }
}

/**
 * The box the desktop app should use: the keychain when it really protects the key, else the key-file box
 * with a protection note that says why. Call after app 'ready' (Linux only knows its backend then).
 */
export function createDesktopSecretBox(safeStorage: SafeStorageApi, keyFile: string, platform: NodeJS.Platform = process.platform): SecretBox {
  const backend = platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null;
  const unusable = !safeStorage.isEncryptionAvailable()
    ? 'safeStorage reports no encryption available'
    : backend === 'basic_text' || backend === 'unknown'
      ? `no OS password store was found (safeStorage backend "${backend}" protects nothing)`
      : null;
  if (unusable) {
    const box = FileKeySecretBox.loadOrCreate(keyFile);
    return {
      seal: (plain) => box.seal(plain),
      open: (sealed) => box.open(sealed),
      protection: `the OS keychain is not used because ${unusable}: ${box.protection}`,
    };
  }
  return new SafeStorageSecretBox(safeStorage, keyFile, `provider keys are encrypted with ${keychainName(platform, backend)} (Electron safeStorage)`);
}

function keychainName(platform: NodeJS.Platform, backend: LinuxBackend | null): string {
  if (platform === 'darwin') return 'the macOS Keychain';
  if (platform === 'win32') return 'Windows DPAPI';
  if (backend === 'gnome_libsecret') return 'the Secret Service (libsecret)';
  if (backend?.startsWith('kwallet')) return `KWallet (${backend})`;
  return "the operating system's keychain";
}
