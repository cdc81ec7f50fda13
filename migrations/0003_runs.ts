// The engine's state: runs, their step log, the outbox, and runs waiting for events.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('runs')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('journey_id', 'uuid', (c) => c.notNull().references('journeys.id').onDelete('cascade'))
    .addColumn('version_id', 'uuid', (c) => c.notNull().references('journey_versions.id'))
    .addColumn('profile_id', 'uuid', (c) => c.notNull().references('profiles.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('active')
        .check(sql`status in ('active', 'waiting', 'completed', 'exited', 'failed')`),
    )
    .addColumn('current_node', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('context', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('error', 'text')
    .addColumn('wake_at', 'timestamptz')
    .addColumn('entered_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('converted_at', 'timestamptz')
    .execute();
  // At most one active run per profile and journey: a constraint, not a check in code.
  await sql`CREATE UNIQUE INDEX runs_one_active ON runs (journey_id, profile_id) WHERE status IN ('active', 'waiting')`.execute(
    db,
  );
  await db.schema
    .createIndex('runs_journey_profile_entered')
    .on('runs')
    .columns(['journey_id', 'profile_id', 'entered_at'])
    .execute();
  await sql`CREATE INDEX runs_wake_at ON runs (wake_at) WHERE wake_at IS NOT NULL`.execute(db);
  await sql`CREATE INDEX runs_version_node ON runs (version_id, current_node) WHERE status IN ('active', 'waiting')`.execute(
    db,
  );
  await db.schema.createIndex('runs_profile').on('runs').column('profile_id').execute();

  await db.schema
    .createTable('steps')
    .addColumn('run_id', 'uuid', (c) => c.notNull().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .addColumn('journey_id', 'uuid', (c) => c.notNull())
    .addColumn('version_id', 'uuid', (c) => c.notNull())
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('entered_at', 'timestamptz', (c) => c.notNull())
    .addColumn('left_at', 'timestamptz')
    .addColumn('port', 'text')
    .addColumn('outcome', 'text', (c) =>
      c
        .notNull()
        .defaultTo('passed')
        .check(sql`outcome in ('waiting', 'passed', 'exited', 'failed')`),
    )
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('steps_pk', ['run_id', 'seq'])
    .execute();
  await db.schema.createIndex('steps_version_node').on('steps').columns(['version_id', 'node_id']).execute();

  await db.schema
    .createTable('messages')
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('run_id', 'uuid', (c) => c.references('runs.id').onDelete('cascade'))
    .addColumn('profile_id', 'uuid', (c) => c.references('profiles.id').onDelete('cascade'))
    .addColumn('journey_id', 'uuid')
    .addColumn('node_id', 'text')
    .addColumn('channel', 'text', (c) =>
      c.notNull().check(sql`channel in ('email', 'sms', 'push', 'webhook')`),
    )
    .addColumn('recipient', 'text')
    .addColumn('content', 'jsonb', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('queued')
        .check(
          sql`status in ('queued', 'sending', 'sent', 'delivered', 'opened', 'clicked', 'bounced', 'failed', 'suppressed')`,
        ),
    )
    .addColumn('provider_id', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('sent_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('messages_run').on('messages').column('run_id').execute();

  await db.schema
    .createTable('waits')
    .addColumn('run_id', 'uuid', (c) => c.primaryKey().references('runs.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('workspace_id', 'uuid', (c) => c.notNull())
    .addColumn('profile_id', 'uuid', (c) => c.notNull().references('profiles.id').onDelete('cascade'))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('filter', 'jsonb')
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('waits_profile_event').on('waits').columns(['profile_id', 'event']).execute();

  // The triggers of live versions, written on publish, so an event finds its journeys by index.
  await db.schema
    .createTable('journey_triggers')
    .addColumn('workspace_id', 'uuid', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('journey_id', 'uuid', (c) => c.notNull().references('journeys.id').onDelete('cascade'))
    .addColumn('version_id', 'uuid', (c) => c.notNull().references('journey_versions.id').onDelete('cascade'))
    .addColumn('node_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text')
    .addColumn('config', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('journey_triggers_pk', ['version_id', 'node_id'])
    .execute();
  await db.schema
    .createIndex('journey_triggers_lookup')
    .on('journey_triggers')
    .columns(['workspace_id', 'kind', 'event_name'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
