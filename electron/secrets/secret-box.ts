// Seals provider secrets before they touch the database. The headless gateway keeps a random 256-bit
// key in the data directory (mode 0600) and uses AES-256-GCM; the desktop shell supplies a box backed
// by the OS keychain instead (electron/shell/safe-storage.ts). Either way the database alone never
// reveals a provider key. A sealed value starts with its scheme ('v1:' for the key file, 'os1:' for the
// OS keychain), so one data directory can serve both `npm run serve` and the desktop app: each box
// recognises the other's values and says plainly what to do when it cannot open one.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { GatewayError } from '../gateway/errors.js';

export interface SecretBox {
  seal(plain: string): string;
  /** Throws SecretUnavailableError when this box cannot open the value. */
  open(sealed: string): string;
  /** How the sealing key itself is protected, said plainly to the operator at start-up. */
  readonly protection: string;
}

/** The scheme prefix of each kind of sealed value. */
export const SEALED_SCHEMES = {
  /** AES-256-GCM with the key in <data dir>/secret.key: `v1:iv:tag:body`. */
  fileKey: 'v1',
  /** Electron safeStorage (Keychain, DPAPI, libsecret/kwallet): `os1:ciphertext`. */
  osKeychain: 'os1',
} as const;

export type SealedScheme = (typeof SEALED_SCHEMES)[keyof typeof SEALED_SCHEMES];

/** Which box sealed this value, or null for something neither box wrote. */
export function sealedScheme(sealed: string): SealedScheme | null {
  const prefix = sealed.slice(0, sealed.indexOf(':'));
  return prefix === SEALED_SCHEMES.fileKey || prefix === SEALED_SCHEMES.osKeychain ? prefix : null;
}

/**
 * A stored provider key this gateway cannot decrypt. It is a refusal the client sees in the Anthropic
 * error shape (and the request is logged), not an internal error: the message names the cause and the
 * fix, since only the person running the gateway can act on it.
 */
export class SecretUnavailableError extends GatewayError {
  constructor(cause: string) {
    super(
      500,
      'api_error',
      `Tollgate cannot decrypt its stored Anthropic API key: ${cause}. ` +
        "Re-enter the key on the dashboard's Providers page, or store it there as env.ANTHROPIC_API_KEY and set that variable.",
      { 'x-should-retry': 'false' },
    );
    this.name = 'SecretUnavailableError';
  }
}

export class FileKeySecretBox implements SecretBox {
  readonly protection: string;

  constructor(
    private readonly key: Buffer,
    private readonly keyFile: string,
  ) {
    this.protection = `provider keys are encrypted with a key kept in ${keyFile}, protected only by file permissions (0600)`;
  }

  static loadOrCreate(keyFile: string): FileKeySecretBox {
    if (!existsSync(keyFile)) {
      writeFileSync(keyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    return FileKeySecretBox.load(keyFile);
  }

  /** Opens an existing key file; throws when it is missing rather than creating a key nothing was sealed with. */
  static load(keyFile: string): FileKeySecretBox {
    chmodSync(keyFile, 0o600);
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${keyFile} does not hold a 256-bit key; move it aside to create a new one.`);
    return new FileKeySecretBox(key, keyFile);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [SEALED_SCHEMES.fileKey, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const scheme = sealedScheme(sealed);
    if (scheme === SEALED_SCHEMES.osKeychain) {
      throw new SecretUnavailableError(
        "it was sealed by the Tollgate desktop app with the operating system's keychain, which the headless gateway (npm run serve) cannot use; run the desktop app instead, or replace the key",
      );
    }
    const [, iv, tag, body] = sealed.split(':');
    if (scheme !== SEALED_SCHEMES.fileKey || !iv || !tag || body === undefined) {
      throw new SecretUnavailableError('the stored value is in a format this version of Tollgate does not recognise');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      // GCM's authentication failed: the key file is not the one this value was sealed with.
      throw new SecretUnavailableError(`the key in ${this.keyFile} is not the one it was sealed with (was the file replaced?)`);
    }
  }
}
