// The workspace a fresh install works in until accounts create more.
import type { Executor } from '../db/database';

export async function ensureDefaultWorkspace(db: Executor): Promise<string> {
  const existing = await db
    .selectFrom('workspaces')
    .select('id')
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
  if (existing) return existing.id;
  const created = await db
    .insertInto('workspaces')
    .values({ name: 'My workspace' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return created.id;
}
