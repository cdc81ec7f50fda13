// When a message's recipient unsubscribed through it, and why it bounced.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('messages').addColumn('unsubscribed_at', 'timestamptz').execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
