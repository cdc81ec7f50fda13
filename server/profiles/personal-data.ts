// A customer's rights over his data: export everything held about him as JSON, and delete it all
// (right to be forgotten). Aggregate stats keep their counts; nothing in them names the customer.
import type { Executor } from '../db/database';
import { NotFoundError } from '../errors';

async function ownedProfile(db: Executor, workspaceId: string, profileId: string) {
  const profile = await db
    .selectFrom('profiles')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', profileId)
    .executeTakeFirst();
  if (!profile) throw new NotFoundError('profile', profileId);
  return profile;
}

export async function exportProfile(db: Executor, workspaceId: string, profileId: string) {
  const profile = await ownedProfile(db, workspaceId, profileId);
  const [identities, events, runs, messages, metrics] = await Promise.all([
    db
      .selectFrom('profile_identities')
      .select(['kind', 'value'])
      .where('profile_id', '=', profileId)
      .orderBy('kind')
      .execute(),
    db
      .selectFrom('events')
      .select(['type', 'name', 'properties', 'context', 'occurred_at', 'received_at', 'message_id'])
      .where('profile_id', '=', profileId)
      .orderBy('occurred_at')
      .execute(),
    db
      .selectFrom('runs as r')
      .innerJoin('journeys as j', 'j.id', 'r.journey_id')
      .select([
        'r.id',
        'j.name as journey',
        'r.status',
        'r.current_node',
        'r.entered_at',
        'r.ended_at',
        'r.converted_at',
        'r.context',
      ])
      .where('r.profile_id', '=', profileId)
      .orderBy('r.entered_at')
      .execute(),
    db
      .selectFrom('messages')
      .select([
        'channel',
        'recipient',
        'content',
        'status',
        'created_at',
        'sent_at',
        'opened_at',
        'clicked_at',
        'unsubscribed_at',
      ])
      .where('profile_id', '=', profileId)
      .orderBy('created_at')
      .execute(),
    db
      .selectFrom('profile_metrics')
      .select(['event', 'count', 'sums', 'last_at'])
      .where('profile_id', '=', profileId)
      .orderBy('event')
      .execute(),
  ]);
  const steps =
    runs.length === 0
      ? []
      : await db
          .selectFrom('steps')
          .select(['run_id', 'seq', 'node_id', 'entered_at', 'left_at', 'port', 'outcome'])
          .where(
            'run_id',
            'in',
            runs.map((run) => run.id),
          )
          .orderBy('run_id')
          .orderBy('seq')
          .execute();
  return {
    exportedAt: new Date().toISOString(),
    profile: {
      id: profile.id,
      userId: profile.user_id,
      traits: profile.traits,
      tags: profile.tags,
      healthScore: profile.health_score,
      firstSeenAt: profile.first_seen_at,
      lastSeenAt: profile.last_seen_at,
    },
    identities,
    events,
    journeys: runs.map(({ id, ...run }) => ({
      ...run,
      steps: steps.filter((step) => step.run_id === id).map(({ run_id: _runId, ...step }) => step),
    })),
    messages,
    metrics,
  };
}

/** Deletes the profile and, through the foreign keys, his identities, events, runs, steps, waits and messages. */
export async function deleteProfile(
  db: Executor,
  workspaceId: string,
  profileId: string,
): Promise<{ deleted: true }> {
  const result = await db
    .deleteFrom('profiles')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', profileId)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw new NotFoundError('profile', profileId);
  return { deleted: true };
}
