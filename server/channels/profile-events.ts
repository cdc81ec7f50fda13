// Message outcomes become events of the profile (Email Delivered, Email Opened, Email Clicked,
// Unsubscribed…), through the ingest path, so waits and conditions can use them.
import type PgBoss from 'pg-boss';
import type { Database } from '../db/database';
import { ingestMessages } from '../ingest/ingest-messages';

export async function trackProfileEvent(services: { db: Database; boss: PgBoss }, profileId: string, name: string, properties: Record<string, unknown>, messageId: string): Promise<void> {
  const profile = await services.db.selectFrom('profiles as p').leftJoin('profile_identities as i', 'i.profile_id', 'p.id')
    .select(['p.workspace_id', 'p.user_id', 'i.kind', 'i.value']).where('p.id', '=', profileId).limit(1).executeTakeFirst();
  if (!profile) return;
  const identity = profile.user_id ? { userId: profile.user_id } : profile.kind === 'anonymous' ? { anonymousId: profile.value! } : null;
  if (!identity) return;
  await ingestMessages(services, profile.workspace_id, [{ type: 'track', ...identity, event: name, properties, messageId }]);
}
