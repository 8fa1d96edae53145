// Seals provider secrets before they touch the database. The headless gateway keeps a random 256-bit
// key in the data directory (mode 0600) and uses AES-256-GCM; the desktop shell can supply a box
// backed by the OS keychain instead. Either way the database alone never reveals a provider key.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
  /** How the sealing key itself is protected, said plainly to the operator at start-up. */
  readonly protection: string;
}

const VERSION = 'v1';

export class FileKeySecretBox implements SecretBox {
  readonly protection: string;

  constructor(private readonly key: Buffer, keyFile: string) {
    this.protection = `provider keys are encrypted with a key kept in ${keyFile}, protected only by file permissions (0600)`;
  }

  static loadOrCreate(keyFile: string): FileKeySecretBox {
    if (!existsSync(keyFile)) {
      writeFileSync(keyFile, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    }
    chmodSync(keyFile, 0o600);
    const key = Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`${keyFile} does not hold a 256-bit key; move it aside to create a new one.`);
    return new FileKeySecretBox(key, keyFile);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join(':');
  }

  open(sealed: string): string {
    const [version, iv, tag, body] = sealed.split(':');
    if (version !== VERSION || !iv || !tag || body === undefined) throw new Error('Unrecognised sealed secret.');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
    decipher.setAuthTag(Buffer.from(tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
  }
}
