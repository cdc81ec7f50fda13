// Every stored event checked its workspace row (a key-share lock on that one row, taken by every
// concurrent ingest transaction). Its profile's foreign key already ties it to the workspace and
// removes it with the workspace (profiles cascade, events cascade from profiles), so that second
// check only cost time.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE events DROP CONSTRAINT IF EXISTS events_workspace_id_fkey`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
