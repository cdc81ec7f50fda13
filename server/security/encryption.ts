// Secrets at rest (SMTP passwords, provider tokens, webhook and signing secrets) are sealed with
// AES-256-GCM under a key from the environment (WAYMARK_ENCRYPTION_KEY), else a key generated
// once into the data directory. A database dump or backup alone does not reveal them.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const prefix = 'enc:v1:';
let key: Buffer | null = null;

export class DecryptionError extends Error {
  constructor() {
    super('a stored secret could not be decrypted: WAYMARK_ENCRYPTION_KEY is not the key it was stored with');
    this.name = 'DecryptionError';
  }
}

export function configureEncryption(secret: string): void {
  key = createHash('sha256').update(secret).digest();
}

/** The key from the environment, else the one kept in `<dataDir>/encryption.key` (created on first start). */
export function resolveEncryptionKey(
  fromEnvironment: string | undefined,
  dataDir: string,
  log: (line: string) => void = () => {},
): string {
  if (fromEnvironment) return fromEnvironment;
  const file = path.join(dataDir, 'encryption.key');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    fs.mkdirSync(dataDir, { recursive: true });
    const generated = randomBytes(32).toString('base64url');
    fs.writeFileSync(file, `${generated}\n`, { mode: 0o600, flag: 'wx' });
    log(
      `[waymark] generated an encryption key for stored secrets in ${file} (set WAYMARK_ENCRYPTION_KEY to share one between processes)`,
    );
    return generated;
  }
}

function currentKey(): Buffer {
  if (!key) {
    const fromEnvironment = process.env.WAYMARK_ENCRYPTION_KEY;
    if (!fromEnvironment) throw new Error('no encryption key is configured (WAYMARK_ENCRYPTION_KEY)');
    configureEncryption(fromEnvironment);
  }
  return key!;
}

export function isSealed(value: string): boolean {
  return value.startsWith(prefix);
}

export function sealSecret(plain: string): string {
  if (isSealed(plain)) return plain;
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', currentKey(), iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return prefix + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a sealed secret; a value stored before sealing existed is returned as it is. */
export function openSecret(stored: string): string {
  if (!isSealed(stored)) return stored;
  const raw = Buffer.from(stored.slice(prefix.length), 'base64url');
  try {
    const decipher = createDecipheriv('aes-256-gcm', currentKey(), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptionError();
  }
}
