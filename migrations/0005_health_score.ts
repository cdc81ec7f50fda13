// The customer health score on each profile.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('profiles')
    .addColumn('health_score', 'real')
    .addColumn('health_computed_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('profiles_health_stale')
    .on('profiles')
    .columns(['workspace_id', 'health_computed_at'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
