// Stats: a rollup of step counts per version, node, port and hour, kept current by the step
// transactions (so stats never scan the step log), and journey goals.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('node_stats')
    .addColumn('version_id', 'uuid', (c) => c.notNull().references('journey_versions.id').onDelete('cascade'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    // '' for counts that belong to the node, not to one of its ports (entered).
    .addColumn('port', 'text', (c) => c.notNull())
    .addColumn('hour', 'timestamptz', (c) => c.notNull())
    // Concurrent step batches add to different shards, so they don't queue on one hot row.
    .addColumn('shard', 'smallint', (c) => c.notNull())
    .addColumn('entered', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('passed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('exited', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('failed', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('converted', 'bigint', (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('node_stats_pk', ['version_id', 'node_id', 'port', 'hour', 'shard'])
    .execute();

  // Goal: { event, where?, windowDays, exitOnConversion }.
  await db.schema.alterTable('journeys').addColumn('goal', 'jsonb').execute();
  await db.schema
    .createIndex('messages_journey_node')
    .on('messages')
    .columns(['journey_id', 'node_id', 'status'])
    .execute();
  await sql`CREATE INDEX runs_profile_open ON runs (profile_id, journey_id) WHERE converted_at IS NULL`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
