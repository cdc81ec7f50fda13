// Password hashing with scrypt (node:crypto; memory-hard, no native add-on to build), at OWASP's
// parameters: N = 2^17, r = 8, p = 1 (128 MiB). Hashes made with weaker parameters still verify
// and are replaced at the next successful login (needsRehash).
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;
const parameters = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 };

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, 32, parameters);
  return `scrypt$${parameters.N}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, salt, key] = stored.split('$');
  const cost = Number(n);
  if (scheme !== 'scrypt' || !salt || !key || !Number.isInteger(cost) || cost < 2 || cost > parameters.N)
    return false;
  const expected = Buffer.from(key, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    ...parameters,
    N: cost,
  });
  return timingSafeEqual(actual, expected);
}

/** Whether a stored hash was made with weaker parameters than today's. */
export function needsRehash(stored: string): boolean {
  const [scheme, n] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < parameters.N;
}

/** A hash of nothing at today's cost: a login for an unknown email costs what a real one does. */
export const unknownUserHash = `scrypt$${parameters.N}$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`;
