// Every new customer id checked its workspace row (a key-share lock on that one row, taken by every
// concurrent ingest transaction), as events did before 0011. Its profile's foreign key already ties
// it to the workspace and removes it with the workspace (profiles cascade, identities cascade from
// profiles), so that second check only cost time.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE profile_identities DROP CONSTRAINT IF EXISTS profile_identities_workspace_id_fkey`.execute(
    db,
  );
  // Each event adds to its customer's aggregate row. Room left on every page lets that update
  // stay on the page (a heap-only tuple) instead of adding a new entry to the key index each time.
  await sql`ALTER TABLE profile_metrics SET (fillfactor = 70)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
