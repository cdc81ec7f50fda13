// Test mode: versions published for test profiles only, and their messages (sent to the
// workspace's test address, kept out of stats).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('journey_versions').addColumn('is_test', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  await db.schema.alterTable('messages').addColumn('is_test', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
