// Signed tokens for links in messages (unsubscribe, open pixel, click redirect): HMAC-SHA256 with
// the server secret (WAYMARK_SECRET, else one generated once and kept sealed in the database).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Executor } from '../db/database';
import { openSecret, sealSecret } from '../security/encryption';

let cached: string | null = null;

export async function loadServerSecret(db: Executor, fromEnvironment?: string): Promise<string> {
  if (fromEnvironment) return (cached = fromEnvironment);
  if (cached) return cached;
  await db
    .insertInto('secrets')
    .values({ name: 'signing', value: sealSecret(randomBytes(32).toString('base64url')) })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('secrets')
    .select('value')
    .where('name', '=', 'signing')
    .executeTakeFirstOrThrow();
  return (cached = openSecret(row.value));
}

export function signToken(secret: string, payload: Record<string, unknown>): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  const mac = createHmac('sha256', secret).update(body).digest('base64url');
  return `${body}.${mac}`;
}

export function verifyToken<T>(secret: string, token: string): T | null {
  const [body, mac] = token.split('.');
  if (!body || !mac) return null;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  try {
    return JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as T;
  } catch {
    return null;
  }
}

export function hmacSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
