// Message outcomes become events of the profile (Email Delivered, Email Opened, Email Clicked,
// Unsubscribed…), through the ingest path, so waits and conditions can use them.
import type PgBoss from 'pg-boss';
import type { Database } from '../db/database';
import { ingestMessages } from '../ingest/ingest-messages';

export interface ProfileEvent {
  profileId: string;
  name: string;
  properties: Record<string, unknown>;
  messageId: string;
}

/** Records events for known profiles: one transaction per workspace for the lot. */
export async function trackProfileEvents(
  services: { db: Database; boss: PgBoss },
  events: readonly ProfileEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const profiles = await services.db
    .selectFrom('profiles')
    .select(['id', 'workspace_id', 'user_id'])
    .where('id', 'in', [...new Set(events.map((event) => event.profileId))])
    .execute();
  const byId = new Map(profiles.map((profile) => [profile.id, profile]));
  const byWorkspace = new Map<string, ProfileEvent[]>();
  for (const event of events) {
    const profile = byId.get(event.profileId);
    if (profile)
      byWorkspace.set(profile.workspace_id, [...(byWorkspace.get(profile.workspace_id) ?? []), event]);
  }
  for (const [workspaceId, list] of byWorkspace) {
    // The ids only satisfy the message shape: the profiles are passed as known, not looked up.
    await ingestMessages(
      services,
      workspaceId,
      list.map((event) => ({
        type: 'track' as const,
        userId: byId.get(event.profileId)!.user_id ?? event.profileId,
        event: event.name,
        properties: event.properties,
        messageId: event.messageId,
      })),
      new Date(),
      list.map((event) => event.profileId),
    );
  }
}

export async function trackProfileEvent(
  services: { db: Database; boss: PgBoss },
  profileId: string,
  name: string,
  properties: Record<string, unknown>,
  messageId: string,
): Promise<void> {
  await trackProfileEvents(services, [{ profileId, name, properties, messageId }]);
}
