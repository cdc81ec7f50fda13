// Message outcomes become events of the profile (Email Delivered, Email Opened, Email Clicked,
// Unsubscribed…), through the ingest path, so waits and conditions can use them.
import type PgBoss from 'pg-boss';
import type { Database } from '../db/database';
import { ingestMessages } from '../ingest/ingest-messages';

export async function trackProfileEvent(services: { db: Database; boss: PgBoss }, profileId: string, name: string, properties: Record<string, unknown>, messageId: string): Promise<void> {
  const profile = await services.db.selectFrom('profiles').select(['workspace_id', 'user_id']).where('id', '=', profileId).executeTakeFirst();
  if (!profile) return;
  // The id only satisfies the message shape: the profile is passed as known, not looked up.
  await ingestMessages(services, profile.workspace_id, [{ type: 'track', userId: profile.user_id ?? profileId, event: name, properties, messageId }], new Date(), profileId);
}
