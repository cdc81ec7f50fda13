// Profiles (the golden record of a customer) and the events they did.
import { sql, type Transaction } from 'kysely';
import { anyOf, type Executor } from '../db/database';
import type { DB } from '../db/schema';

export interface Identity {
  userId?: string | null;
  anonymousId?: string | null;
}

async function findByIdentity(
  db: Executor,
  workspaceId: string,
  kind: 'user' | 'anonymous',
  value: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('profile_identities')
    .select('profile_id')
    .where('workspace_id', '=', workspaceId)
    .where('kind', '=', kind)
    .where('value', '=', value)
    .executeTakeFirst();
  return row?.profile_id ?? null;
}

async function addIdentity(
  db: Executor,
  workspaceId: string,
  kind: 'user' | 'anonymous',
  value: string,
  profileId: string,
): Promise<void> {
  await db
    .insertInto('profile_identities')
    .values({ workspace_id: workspaceId, kind, value, profile_id: profileId })
    .onConflict((oc) => oc.columns(['workspace_id', 'kind', 'value']).doNothing())
    .execute();
}

/**
 * The profile for a user id and/or anonymous id, created when new. When the two ids belong to
 * two profiles (an anonymous visitor logs in), they are merged into the known user's profile.
 */
export async function resolveProfile(
  trx: Transaction<DB>,
  workspaceId: string,
  identity: Identity,
  merged?: MergedTraits,
): Promise<string> {
  const userId = identity.userId || null;
  const anonymousId = identity.anonymousId || null;
  if (!userId && !anonymousId) throw new Error('a profile needs a userId or an anonymousId');
  // Serialise work on the same identities, so two requests don't create two profiles.
  for (const key of [userId && `u:${userId}`, anonymousId && `a:${anonymousId}`].filter(Boolean).sort()) {
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`${workspaceId}:${key}`}, 1))`.execute(trx);
  }
  const byUser = userId ? await findByIdentity(trx, workspaceId, 'user', userId) : null;
  const byAnonymous = anonymousId ? await findByIdentity(trx, workspaceId, 'anonymous', anonymousId) : null;

  if (byUser && byAnonymous && byUser !== byAnonymous) {
    await mergeProfiles(trx, workspaceId, byAnonymous, byUser, merged);
    return byUser;
  }
  const existing = byUser ?? byAnonymous;
  if (existing) {
    if (userId && !byUser) {
      await trx
        .updateTable('profiles')
        .set({ user_id: userId })
        .where('id', '=', existing)
        .where('user_id', 'is', null)
        .execute();
      await addIdentity(trx, workspaceId, 'user', userId, existing);
    }
    if (anonymousId && !byAnonymous) await addIdentity(trx, workspaceId, 'anonymous', anonymousId, existing);
    return existing;
  }
  const created = await trx
    .insertInto('profiles')
    .values({ workspace_id: workspaceId, user_id: userId })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (userId) await addIdentity(trx, workspaceId, 'user', userId, created.id);
  if (anonymousId) await addIdentity(trx, workspaceId, 'anonymous', anonymousId, created.id);
  return created.id;
}

/**
 * The traits a profile had before merges gave it another profile's traits, by profile: the caller
 * hands the change on (server/profiles/trait-changes.ts) once it has written the rest.
 */
export type MergedTraits = Map<string, Record<string, unknown>>;

/** Moves everything of `fromId` onto `intoId` (events, runs, messages, ids, traits) and deletes `fromId`. */
export async function mergeProfiles(
  trx: Transaction<DB>,
  workspaceId: string,
  fromId: string,
  intoId: string,
  merged?: MergedTraits,
): Promise<void> {
  const profiles = await trx
    .selectFrom('profiles')
    .select(['id', 'traits', 'tags', 'first_seen_at', 'group_id'])
    .where('id', '=', anyOf([fromId, intoId]))
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .forUpdate()
    .execute();
  const from = profiles.find((row) => row.id === fromId);
  const into = profiles.find((row) => row.id === intoId);
  if (!from || !into) return;
  if (merged && !merged.has(intoId)) merged.set(intoId, into.traits as Record<string, unknown>);
  // The known profile's traits win over the anonymous ones.
  await sql`
    UPDATE profiles SET traits = ${JSON.stringify(from.traits)}::jsonb || traits,
      tags = ARRAY(SELECT DISTINCT t FROM unnest(tags || ${from.tags}::text[]) AS t ORDER BY t),
      first_seen_at = least(first_seen_at, ${from.first_seen_at})
    WHERE id = ${intoId}`.execute(trx);
  // Groups the anonymous profile joined: the known one belongs to them too; it keeps its own current group.
  await sql`
    INSERT INTO group_members (workspace_id, group_id, profile_id, joined_at)
    SELECT workspace_id, group_id, ${intoId}, joined_at FROM group_members WHERE profile_id = ${fromId}
    ON CONFLICT (profile_id, group_id) DO UPDATE SET joined_at = greatest(group_members.joined_at, excluded.joined_at)`.execute(
    trx,
  );
  await sql`UPDATE profiles SET group_id = ${from.group_id} WHERE id = ${intoId} AND group_id IS NULL`.execute(
    trx,
  );
  await trx.updateTable('events').set({ profile_id: intoId }).where('profile_id', '=', fromId).execute();
  await trx.updateTable('messages').set({ profile_id: intoId }).where('profile_id', '=', fromId).execute();
  // A run moves unless the known profile is already active in the same journey; then it ends.
  await sql`
    UPDATE runs SET status = 'exited', ended_at = now(), error = 'merged into another profile that is already in this journey'
    WHERE profile_id = ${fromId} AND status IN ('active', 'waiting')
      AND journey_id IN (SELECT journey_id FROM runs WHERE profile_id = ${intoId} AND status IN ('active', 'waiting'))`.execute(
    trx,
  );
  await trx
    .deleteFrom('waits')
    .where(
      'run_id',
      'in',
      trx.selectFrom('runs').select('id').where('profile_id', '=', fromId).where('status', '=', 'exited'),
    )
    .execute();
  await trx.updateTable('runs').set({ profile_id: intoId }).where('profile_id', '=', fromId).execute();
  await trx.updateTable('waits').set({ profile_id: intoId }).where('profile_id', '=', fromId).execute();
  await trx
    .updateTable('profile_identities')
    .set({ profile_id: intoId })
    .where('profile_id', '=', fromId)
    .execute();
  await trx.deleteFrom('profiles').where('id', '=', fromId).execute();
}
