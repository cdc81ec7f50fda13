// Every run (and every outbox message) checked the one workspace row, and runs the one journey and
// version rows they belong to: a key-share lock on the same few rows from every concurrent step,
// ingest and delivery transaction, which PostgreSQL turns into multixacts, rewriting those rows
// again and again. Journeys, versions and workspaces are archived, never deleted, and a run or
// message goes with its profile (still a foreign key, with cascade), so these checks only cost time.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE runs DROP CONSTRAINT IF EXISTS runs_workspace_id_fkey`.execute(db);
  await sql`ALTER TABLE runs DROP CONSTRAINT IF EXISTS runs_journey_id_fkey`.execute(db);
  await sql`ALTER TABLE runs DROP CONSTRAINT IF EXISTS runs_version_id_fkey`.execute(db);
  await sql`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_workspace_id_fkey`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
