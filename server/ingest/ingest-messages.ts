// Stores a batch of validated Segment messages in ONE transaction, set-based: profiles resolved
// (and merged on alias), events stored once per messageId, traits and aggregates updated, and
// journeys triggered or resumed. Either all of it is stored, or none of it.
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type PgBoss from 'pg-boss';
import { anyOf, type Database } from '../db/database';
import type { DB } from '../db/schema';
import { groupFields } from '../../shared/conditions';
import {
  dispatchEvents,
  inEventTimeOrder,
  type EventForDispatch,
  type MetricChange,
  type TraitChange,
} from '../engine/dispatch-events';
import { recomputeHealthScores } from '../profiles/health-score';
import { convertGoals, lockGoalRuns } from '../stats/goals';
import { mergeProfiles, resolveProfile, type MergedTraits } from '../profiles/profile-store';
import { traitsChanged } from '../profiles/trait-changes';
import { timeOrderedId } from '../db/time-ordered-id';
import { eventNameOf, occurredAtOf, propertiesOf, type SegmentMessage } from './segment-messages';

export interface IngestOutcome {
  /** The messageIds stored now (not seen before). */
  storedIds: Set<string>;
  stored: number;
  duplicates: number;
  runsStarted: number;
  waitsResumed: number;
}

type Keyed = {
  message: SegmentMessage;
  messageId: string;
  profileId?: string;
  receivedAt: Date;
  /** The event's name, its properties (none for identify, group and alias) and when it happened: worked out once. */
  name: string;
  properties: Record<string, unknown>;
  occurredAt: Date;
};

const identityKey = (kind: 'user' | 'anonymous', value: string) => `${kind}\u0000${value}`;

/** The customer ids messages name, as the identity locks below take them (and group commit keeps apart). */
export function customerKeys(messages: readonly SegmentMessage[]): Set<string> {
  const keys = new Set<string>();
  for (const message of messages) {
    if (message.userId) keys.add(`u:${message.userId}`);
    if (message.anonymousId) keys.add(`a:${message.anonymousId}`);
    if (message.type === 'alias') keys.add(`u:${message.previousId}`).add(`a:${message.previousId}`);
  }
  return keys;
}

/** Resolves every message's profile: simple ones in bulk, those that link two ids one by one. */
async function resolveProfiles(
  trx: Transaction<DB>,
  workspaceId: string,
  items: Keyed[],
  merged: MergedTraits,
): Promise<void> {
  const keys = customerKeys(items.map((item) => item.message));
  // The same locks resolveProfile takes, all at once in a fixed order: no deadlock between batches.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${workspaceId} || ':' || k, 1)) FROM unnest(${[...keys].sort()}::text[]) AS k ORDER BY k`.execute(
    trx,
  );

  const simple = items.filter(
    ({ message }) => message.type !== 'alias' && !(message.userId && message.anonymousId),
  );
  const wanted = new Map<string, { kind: 'user' | 'anonymous'; value: string }>();
  for (const { message } of simple) {
    const kind = message.userId ? 'user' : 'anonymous';
    const value = String(message.userId ?? message.anonymousId);
    wanted.set(identityKey(kind, value), { kind, value });
  }
  const known = new Map<string, string>();
  if (wanted.size > 0) {
    // One index probe per id (the LIMIT keeps the planner from hashing the whole identity table,
    // which it prefers below a few hundred thousand rows and which grows with every customer).
    const rows = await sql<{ kind: 'user' | 'anonymous'; value: string; profile_id: string }>`
      SELECT w.kind, w.value, i.profile_id
      FROM unnest(${[...wanted.values()].map((w) => w.kind)}::text[], ${[...wanted.values()].map((w) => w.value)}::text[]) AS w(kind, value)
      CROSS JOIN LATERAL (SELECT profile_id FROM profile_identities i WHERE i.workspace_id = ${workspaceId} AND i.kind = w.kind AND i.value = w.value LIMIT 1) i`.execute(
      trx,
    );
    for (const row of rows.rows) known.set(identityKey(row.kind, row.value), row.profile_id);
    const missing = [...wanted.entries()].filter(([key]) => !known.has(key));
    if (missing.length > 0) {
      const created = await sql<{ id: string; ord: number }>`
        INSERT INTO profiles (workspace_id, user_id)
        SELECT ${workspaceId}, u FROM unnest(${missing.map(([, w]) => (w.kind === 'user' ? w.value : null))}::text[]) WITH ORDINALITY AS m(u, ord)
        ORDER BY ord
        RETURNING id`.execute(trx);
      const rows2 = created.rows.map((row, index) => ({ profile_id: row.id, ...missing[index][1] }));
      await sql`
        INSERT INTO profile_identities (workspace_id, kind, value, profile_id)
        SELECT ${workspaceId}, x.kind, x.value, x.profile_id
        FROM unnest(${rows2.map((row) => row.kind)}::text[], ${rows2.map((row) => row.value)}::text[], ${rows2.map((row) => row.profile_id)}::uuid[]) AS x(kind, value, profile_id)`.execute(
        trx,
      );
      for (const row of rows2) known.set(identityKey(row.kind, row.value), row.profile_id);
    }
  }
  for (const item of items) {
    const { message } = item;
    if (message.type === 'alias') {
      const target = await resolveProfile(trx, workspaceId, { userId: String(message.userId) }, merged);
      const previous = await trx
        .selectFrom('profile_identities')
        .select('profile_id')
        .where('workspace_id', '=', workspaceId)
        .where('value', '=', String(message.previousId))
        .executeTakeFirst();
      if (previous && previous.profile_id !== target)
        await mergeProfiles(trx, workspaceId, previous.profile_id, target, merged);
      else if (!previous)
        await trx
          .insertInto('profile_identities')
          .values({
            workspace_id: workspaceId,
            kind: 'anonymous',
            value: String(message.previousId),
            profile_id: target,
          })
          .onConflict((oc) => oc.doNothing())
          .execute();
      item.profileId = target;
    } else if (message.userId && message.anonymousId) {
      item.profileId = await resolveProfile(
        trx,
        workspaceId,
        { userId: String(message.userId), anonymousId: String(message.anonymousId) },
        merged,
      );
    } else {
      item.profileId = known.get(
        message.userId
          ? identityKey('user', String(message.userId))
          : identityKey('anonymous', String(message.anonymousId)),
      );
    }
  }
  // An alias later in the batch may have merged a profile an earlier message resolved to:
  // follow the ids to the profile that holds them now.
  if (items.every(({ message }) => message.type !== 'alias' && !(message.userId && message.anonymousId)))
    return;
  const resolved = [...new Set(items.map((item) => item.profileId!))];
  const alive = new Set(
    (await trx.selectFrom('profiles').select('id').where('id', '=', anyOf(resolved)).execute()).map(
      (row) => row.id,
    ),
  );
  for (const item of items) {
    if (alive.has(item.profileId!)) continue;
    const { message } = item;
    const lookup = message.userId
      ? { kind: 'user' as const, value: String(message.userId) }
      : { kind: 'anonymous' as const, value: String(message.anonymousId) };
    const row = await trx
      .selectFrom('profile_identities')
      .select('profile_id')
      .where('workspace_id', '=', workspaceId)
      .where('kind', '=', lookup.kind)
      .where('value', '=', lookup.value)
      .executeTakeFirstOrThrow();
    item.profileId = row.profile_id;
  }
}

function numericProperties(properties: Record<string, unknown>): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const [name, value] of Object.entries(properties)) {
    if (typeof value === 'number' && Number.isFinite(value)) sums[name] = value;
  }
  return sums;
}

/**
 * Stores messages. `receivedAt` is when they arrived: one time for all, or one per message (calls
 * stored together in one group commit arrived at different times). `knownProfileIds` (one per
 * message) is for events Waymark records itself about profiles it already knows (message
 * outcomes): no identity resolution then.
 */
export async function ingestMessages(
  services: { db: Database; boss: PgBoss },
  workspaceId: string,
  messages: SegmentMessage[],
  receivedAt: Date | readonly Date[] = new Date(),
  knownProfileIds?: readonly string[],
): Promise<IngestOutcome> {
  if (messages.length === 0)
    return { storedIds: new Set(), stored: 0, duplicates: 0, runsStarted: 0, waitsResumed: 0 };
  return services.db.transaction().execute(async (trx) => {
    const now = new Date();
    const items: Keyed[] = messages.map((message, index) => {
      const arrived =
        (Array.isArray(receivedAt) ? (receivedAt as readonly Date[])[index] : (receivedAt as Date)) ?? now;
      return {
        message,
        messageId: message.messageId ?? randomUUID(),
        profileId: knownProfileIds?.[index],
        receivedAt: arrived,
        name: eventNameOf(message),
        properties: propertiesOf(message),
        occurredAt: occurredAtOf(message, arrived),
      };
    });
    // A merge gives a profile the other's traits: a trait change like any other (below).
    const merged: MergedTraits = new Map();
    if (!knownProfileIds) await resolveProfiles(trx, workspaceId, items, merged);

    // Lock order, the same in every transaction: runs, then profiles, then new rows that point
    // at them. (Inserting an event takes a key-share lock on its profile; taking FOR UPDATE after
    // that would deadlock with a concurrent call for the same profile.)
    const profileIds = [...new Set(items.map((item) => item.profileId!))].sort();
    const goalRuns = await lockGoalRuns(trx, workspaceId, profileIds, [
      ...new Set(items.map((item) => item.name)),
    ]);
    const current = await trx
      .selectFrom('profiles')
      .select(['id', 'traits', 'last_seen_at', 'group_id'])
      .where('id', '=', anyOf(profileIds))
      .orderBy('id')
      .forUpdate()
      .execute();
    const lastSeenBefore = new Map(current.map((row) => [row.id, row.last_seen_at.getTime()]));
    const traits = new Map(current.map((row) => [row.id, row.traits as Record<string, unknown>]));

    const rows = items.map(
      ({ message, messageId, profileId, receivedAt: arrived, name, properties, occurredAt }) => ({
        id: timeOrderedId(),
        workspace_id: workspaceId,
        profile_id: profileId!,
        type: message.type,
        name,
        properties:
          message.type === 'group'
            ? { groupId: message.groupId, ...message.traits }
            : message.type === 'identify'
              ? message.traits
              : properties,
        // `integrations` (which destinations a client meant the call for) is kept with the context.
        context: message.integrations
          ? { ...(message.context ?? {}), integrations: message.integrations }
          : (message.context ?? {}),
        message_id: messageId,
        occurred_at: occurredAt,
        received_at: arrived,
      }),
    );
    // One JSON parameter instead of nine per row: far less to parse for a 100-event batch.
    const inserted = await sql<{ id: string; message_id: string }>`
      INSERT INTO events (id, workspace_id, profile_id, type, name, properties, context, message_id, occurred_at, received_at)
      SELECT x.id, ${workspaceId}, x.profile_id, x.type, x.name, x.properties, x.context, x.message_id, x.occurred_at, x.received_at
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
        AS x(id uuid, profile_id uuid, type text, name text, properties jsonb, context jsonb, message_id text, occurred_at timestamptz, received_at timestamptz)
      ON CONFLICT (workspace_id, message_id) DO NOTHING
      RETURNING id, message_id`.execute(trx);
    const newIds = new Map(inserted.rows.map((row) => [row.message_id, row.id]));
    // Only what was stored now has effects: a message sent twice does nothing the second time.
    const fresh = items.filter((item) => {
      const id = newIds.get(item.messageId);
      if (!id) return false;
      newIds.delete(item.messageId); // the same messageId twice in one batch counts once
      (item as Keyed & { eventId: string }).eventId = id;
      return true;
    }) as Array<Keyed & { eventId: string }>;

    // Events that count for goals, aggregates and triggers (identify, group and alias do not).
    const dispatchable = fresh.filter(
      (item) =>
        item.message.type === 'track' || item.message.type === 'page' || item.message.type === 'screen',
    );

    // Traits (identify), merged in message order; a group's traits are the group's (storeGroups).
    const traitChanges: TraitChange[] = [];
    const patches = new Map<string, Record<string, unknown>>();
    for (const item of fresh) {
      if (item.message.type !== 'identify' || Object.keys(item.message.traits).length === 0) continue;
      patches.set(item.profileId!, { ...(patches.get(item.profileId!) ?? {}), ...item.message.traits });
    }
    for (const profileId of new Set([...patches.keys(), ...merged.keys()])) {
      if (!traits.has(profileId)) continue; // merged into another profile later in the batch
      const current = traits.get(profileId)!;
      const after = { ...current, ...patches.get(profileId) };
      traits.set(profileId, after);
      traitChanges.push({ profileId, before: merged.get(profileId) ?? current, after });
    }
    const groupIds = new Map(current.map((row) => [row.id, row.group_id]));
    const regrouped = await storeGroups(
      trx,
      workspaceId,
      fresh.flatMap((item) =>
        item.message.type === 'group'
          ? [
              {
                groupId: item.message.groupId,
                traits: item.message.traits,
                profileId: item.profileId!,
                at: item.occurredAt,
              },
            ]
          : [],
      ),
    );
    for (const [profileId, groupId] of regrouped) groupIds.set(profileId, groupId);
    const lastSeen = new Map<string, string>();
    for (const row of rows) {
      const at = (row.occurred_at as Date).toISOString();
      if (!lastSeen.has(row.profile_id) || lastSeen.get(row.profile_id)! < at)
        lastSeen.set(row.profile_id, at);
    }
    // Last seen is kept to the minute: a busy profile isn't rewritten on every event (and a
    // statement with nothing to write is not sent).
    const touched = profileIds.filter(
      (id) =>
        patches.has(id) || (lastSeenBefore.get(id) ?? 0) < new Date(lastSeen.get(id)!).getTime() - 60_000,
    );
    if (touched.length > 0) {
      await sql`
        UPDATE profiles p SET traits = p.traits || coalesce(x.patch, '{}'::jsonb), last_seen_at = greatest(p.last_seen_at, x.seen)
        FROM jsonb_to_recordset(${JSON.stringify(touched.map((id) => ({ id, patch: patches.get(id) ?? null, seen: lastSeen.get(id) })))}::jsonb)
          AS x(id uuid, patch jsonb, seen timestamptz)
        WHERE p.id = x.id`.execute(trx);
    }

    // Per-profile aggregates of each event (count, sums of numeric properties), for thresholds.
    const metricChanges: MetricChange[] = [];
    if (dispatchable.length > 0) {
      // Each profile's additions from this batch, then one upsert that adds them in SQL and
      // returns the totals after it: the totals before are those minus this batch's part.
      const additions = new Map<
        string,
        {
          profileId: string;
          event: string;
          count: number;
          sums: Record<string, number>;
          events: MetricChange['events'];
          lastAt: string;
        }
      >();
      for (const { item } of inEventTimeOrder(
        dispatchable.map((item) => ({ item, event: { occurredAt: item.occurredAt.toISOString() } })),
      )) {
        const event = item.name;
        const key = `${item.profileId}\u0000${event}`;
        const addition = additions.get(key) ?? {
          profileId: item.profileId!,
          event,
          count: 0,
          sums: {},
          events: [],
          lastAt: '',
        };
        addition.count += 1;
        for (const [name, value] of Object.entries(numericProperties(item.properties))) {
          addition.sums[name] = (addition.sums[name] ?? 0) + value;
        }
        addition.events.push({
          id: item.eventId,
          name: event,
          properties: item.properties,
          occurredAt: item.occurredAt.toISOString(),
        });
        addition.lastAt = item.occurredAt.toISOString();
        additions.set(key, addition);
      }
      const ordered = [...additions.values()].sort((a, b) =>
        (a.profileId + a.event).localeCompare(b.profileId + b.event),
      );
      const totals = await sql<{
        profile_id: string;
        event: string;
        count: number;
        sums: Record<string, number>;
      }>`
        INSERT INTO profile_metrics AS m (profile_id, event, count, sums, last_at)
        SELECT x.profile_id, x.event, x.count, x.sums, x.last_at
        FROM jsonb_to_recordset(${JSON.stringify(ordered.map((a) => ({ profile_id: a.profileId, event: a.event, count: a.count, sums: a.sums, last_at: a.lastAt })))}::jsonb)
          AS x(profile_id uuid, event text, count bigint, sums jsonb, last_at timestamptz)
        ON CONFLICT (profile_id, event) DO UPDATE SET
          count = m.count + excluded.count,
          sums = CASE WHEN excluded.sums = '{}'::jsonb THEN m.sums ELSE (
            SELECT coalesce(jsonb_object_agg(k, coalesce((m.sums ->> k)::numeric, 0) + coalesce((excluded.sums ->> k)::numeric, 0)), '{}'::jsonb)
            FROM jsonb_object_keys(m.sums || excluded.sums) AS k) END,
          last_at = greatest(m.last_at, excluded.last_at)
        RETURNING profile_id, event, count, sums`.execute(trx);
      for (const total of totals.rows) {
        const addition = additions.get(`${total.profile_id}\u0000${total.event}`)!;
        const after = {
          count: Number(total.count),
          sums: Object.fromEntries(Object.entries(total.sums).map(([k, v]) => [k, Number(v)])),
        };
        const before = {
          count: after.count - addition.count,
          sums: Object.fromEntries(
            Object.entries(after.sums).map(([k, v]) => [k, v - (addition.sums[k] ?? 0)]),
          ),
        };
        metricChanges.push({
          profileId: addition.profileId,
          event: addition.event,
          before,
          after,
          events: addition.events,
        });
      }
    }

    const events: EventForDispatch[] = dispatchable.map((item) => ({
      profileId: item.profileId!,
      event: {
        id: item.eventId,
        name: item.name,
        properties: item.properties,
        occurredAt: item.occurredAt.toISOString(),
      },
    }));
    const dispatched = await dispatchEvents(trx, services.boss, {
      workspaceId,
      events,
      metricChanges,
      traits,
      groups: await loadGroups(trx, workspaceId, groupIds),
    });
    // Goals after waits: a wait answered by an earlier event of this batch is resumed (and its run
    // left to the engine, which ends it in event time) rather than ended by a later conversion.
    await convertGoals(
      trx,
      goalRuns,
      dispatchable.map((item) => ({
        id: item.eventId,
        profileId: item.profileId!,
        name: item.name,
        properties: item.properties,
        occurredAt: item.occurredAt,
      })),
      now,
    );
    // Trait changes start segment and health-score journeys (the one path every trait change
    // takes); the other profiles' scores move with their events.
    const traitStarted = await traitsChanged(trx, services.boss, workspaceId, traitChanges, now);
    const changedIds = new Set(traitChanges.map((change) => change.profileId));
    const eventsOnly = [...new Set(fresh.map((item) => item.profileId!))].filter((id) => !changedIds.has(id));
    const healthStarted =
      eventsOnly.length > 0 ? await recomputeHealthScores(trx, services.boss, workspaceId, eventsOnly) : 0;
    return {
      storedIds: new Set(fresh.map((item) => item.messageId)),
      stored: fresh.length,
      duplicates: items.length - fresh.length,
      runsStarted: dispatched.runsStarted.length + traitStarted + healthStarted,
      waitsResumed: dispatched.waitsResumed.length,
    };
  });
}

/** The group (traits and id, as conditions read it) of each profile that has one. */
async function loadGroups(
  trx: Transaction<DB>,
  workspaceId: string,
  groupIds: Map<string, string | null>,
): Promise<Map<string, Record<string, unknown>>> {
  const ids = [...new Set([...groupIds.values()].filter((id): id is string => id !== null))];
  const groups = new Map<string, Record<string, unknown>>();
  if (ids.length === 0) return groups;
  const rows = await trx
    .selectFrom('groups')
    .select(['group_id', 'traits'])
    .where('workspace_id', '=', workspaceId)
    .where('group_id', '=', anyOf(ids, 'text'))
    .execute();
  const byId = new Map(rows.map((row) => [row.group_id, row.traits as Record<string, unknown>]));
  for (const [profileId, groupId] of groupIds) {
    const traits = groupId === null ? undefined : byId.get(groupId);
    if (traits) groups.set(profileId, groupFields({ id: groupId!, traits })!);
  }
  return groups;
}

/**
 * Group calls: each group with its traits merged in message order, the profile's membership, and
 * the profile's current group — the one its latest group call (in event time) named.
 */
async function storeGroups(
  trx: Transaction<DB>,
  workspaceId: string,
  calls: Array<{ groupId: string; traits: Record<string, unknown>; profileId: string; at: Date }>,
): Promise<Map<string, string>> {
  if (calls.length === 0) return new Map();
  const groups = new Map<string, Record<string, unknown>>();
  for (const call of calls) groups.set(call.groupId, { ...(groups.get(call.groupId) ?? {}), ...call.traits });
  const ids = [...groups.keys()].sort();
  await sql`
    INSERT INTO groups (workspace_id, group_id, traits)
    SELECT ${workspaceId}, x.group_id, x.traits
    FROM jsonb_to_recordset(${JSON.stringify(ids.map((id) => ({ group_id: id, traits: groups.get(id) })))}::jsonb)
      AS x(group_id text, traits jsonb)
    ON CONFLICT (workspace_id, group_id) DO UPDATE SET traits = groups.traits || excluded.traits, updated_at = now()`.execute(
    trx,
  );
  const latest = new Map<string, { groupId: string; at: Date }>();
  const memberships = new Map<string, { profile_id: string; group_id: string; joined_at: string }>();
  for (const call of calls) {
    const key = `${call.profileId} ${call.groupId}`;
    const at = call.at.toISOString();
    if (!memberships.has(key) || memberships.get(key)!.joined_at < at)
      memberships.set(key, { profile_id: call.profileId, group_id: call.groupId, joined_at: at });
    if (!latest.has(call.profileId) || latest.get(call.profileId)!.at <= call.at)
      latest.set(call.profileId, call);
  }
  await sql`
    INSERT INTO group_members (workspace_id, group_id, profile_id, joined_at)
    SELECT ${workspaceId}, x.group_id, x.profile_id, x.joined_at
    FROM jsonb_to_recordset(${JSON.stringify([...memberships.values()])}::jsonb)
      AS x(group_id text, profile_id uuid, joined_at timestamptz)
    ON CONFLICT (profile_id, group_id) DO UPDATE SET joined_at = greatest(group_members.joined_at, excluded.joined_at)`.execute(
    trx,
  );
  // The current group: the latest call's, unless the profile has joined a group more recently before.
  const updated = await sql<{ id: string; group_id: string }>`
    UPDATE profiles p SET group_id = x.group_id
    FROM jsonb_to_recordset(${JSON.stringify([...latest].map(([id, call]) => ({ id, group_id: call.groupId, at: call.at.toISOString() })))}::jsonb)
      AS x(id uuid, group_id text, at timestamptz)
    WHERE p.id = x.id AND NOT EXISTS (
      SELECT 1 FROM group_members m WHERE m.profile_id = p.id AND m.group_id <> x.group_id AND m.joined_at > x.at)
    RETURNING p.id, p.group_id`.execute(trx);
  return new Map(updated.rows.map((row) => [row.id, row.group_id]));
}
