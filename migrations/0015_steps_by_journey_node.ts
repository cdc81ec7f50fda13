// A node's customers (the canvas drill-down) are listed by journey and node, newest first, over
// all versions unless one is chosen; the index by version and node served only the second case,
// and the first read the whole step log of every journey. One index in the list's own order
// serves both (the version, when given, is checked on the rows it walks), at the same write cost.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE INDEX steps_journey_node_entered ON steps (journey_id, node_id, entered_at DESC)`.execute(
    db,
  );
  await sql`DROP INDEX IF EXISTS steps_version_node`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
