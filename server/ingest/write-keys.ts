// Ingest write keys: public by nature (they ship in web and app SDKs), so write-only, per
// workspace, revocable; stored as SHA-256 hashes, shown in full only once.
import { createHash, randomBytes } from 'node:crypto';
import { environmentKeyName } from '../../shared/write-keys';
import { sql } from 'kysely';
import type { Executor } from '../db/database';
import { NotFoundError } from '../errors';

export function hashWriteKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function createWriteKey(
  db: Executor,
  workspaceId: string,
  name: string,
  key = `wk_${randomBytes(24).toString('base64url')}`,
  allowedOrigins: readonly string[] = [],
): Promise<{ id: string; key: string }> {
  const row = await db
    .insertInto('write_keys')
    .values({
      workspace_id: workspaceId,
      name,
      key_hash: hashWriteKey(key),
      key_prefix: key.slice(0, 7),
      allowed_origins: [...allowedOrigins],
    })
    .onConflict((oc) => oc.column('key_hash').doUpdateSet({ revoked_at: null }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, key };
}

export async function listWriteKeys(db: Executor, workspaceId: string) {
  return db
    .selectFrom('write_keys')
    .select(['id', 'name', 'key_prefix', 'allowed_origins', 'created_at', 'revoked_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('created_at')
    .execute();
}

export async function revokeWriteKey(db: Executor, workspaceId: string, id: string): Promise<void> {
  const result = await db
    .updateTable('write_keys')
    .set({ revoked_at: sql`now()` })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw new NotFoundError('write key', id);
  writeKeyCache.clear();
}

/** The key from WAYMARK_WRITE_KEY, for automated setups: registered for the default workspace. */
export async function ensureWriteKey(db: Executor, workspaceId: string, key: string): Promise<void> {
  const existing = await db
    .selectFrom('write_keys')
    .select('id')
    .where('key_hash', '=', hashWriteKey(key))
    .executeTakeFirst();
  if (!existing) await createWriteKey(db, workspaceId, environmentKeyName, key);
}

const writeKeyCache = new Map<string, { key: AuthenticatedKey | null; until: number }>();
/** Revocation is seen within this time by every process. */
const cacheMilliseconds = 5_000;

export interface AuthenticatedKey {
  workspaceId: string;
  /** Web origins the key may be used from; empty: any. */
  allowedOrigins: readonly string[];
}

/** The workspace a write key belongs to, or null when unknown or revoked. */
export async function authenticateWriteKey(db: Executor, key: string): Promise<string | null> {
  return (await writeKeyFor(db, key))?.workspaceId ?? null;
}

/** The key's workspace and allowed origins, or null when unknown or revoked. */
export async function writeKeyFor(db: Executor, key: string): Promise<AuthenticatedKey | null> {
  const hash = hashWriteKey(key);
  const cached = writeKeyCache.get(hash);
  if (cached && cached.until > Date.now()) return cached.key;
  const row = await db
    .selectFrom('write_keys')
    .select(['workspace_id', 'allowed_origins'])
    .where('key_hash', '=', hash)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  const found = row ? { workspaceId: row.workspace_id, allowedOrigins: row.allowed_origins } : null;
  if (writeKeyCache.size > 10_000) writeKeyCache.clear();
  writeKeyCache.set(hash, { key: found, until: Date.now() + cacheMilliseconds });
  return found;
}
