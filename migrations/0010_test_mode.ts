// Test mode: versions published for test profiles only, and their messages (sent to the
// workspace's test address, kept out of stats); a journey's current test version and the test
// profiles whose trigger events enter it instead of the live version.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('journey_versions')
    .addColumn('is_test', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .alterTable('messages')
    .addColumn('is_test', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .alterTable('journeys')
    .addColumn('test_version_id', 'uuid', (c) => c.references('journey_versions.id').onDelete('set null'))
    .addColumn('test_profile_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('test_speed', 'double precision', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
