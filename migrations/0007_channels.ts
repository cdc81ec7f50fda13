// Delivery: when a queued message may go out, attempts, tracking times; and server secrets.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('messages')
    .addColumn('send_after', 'timestamptz')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('claimed_at', 'timestamptz')
    .addColumn('opened_at', 'timestamptz')
    .addColumn('clicked_at', 'timestamptz')
    .execute();
  await sql`CREATE INDEX messages_due ON messages (coalesce(send_after, created_at)) WHERE status IN ('queued', 'sending')`.execute(
    db,
  );
  await db.schema
    .createIndex('messages_profile_channel')
    .on('messages')
    .columns(['profile_id', 'channel', 'sent_at'])
    .execute();
  await db.schema
    .createTable('secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
