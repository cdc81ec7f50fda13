// A wait for an event is answered by an event of the customer that happened (event time) after the
// run reached the wait: the moment it reached it, and the event that brought it there (ties at the
// same millisecond are broken by event id, which follows batch order). Waits made before this
// migration have neither and take any event before their timeout, as they did.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE waits ADD COLUMN reached_at timestamptz, ADD COLUMN after_event uuid`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
