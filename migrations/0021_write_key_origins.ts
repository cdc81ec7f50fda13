// The web origins a write key may be used from (the browser library posts from the shop's own
// site); empty: any origin, as before.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE write_keys ADD COLUMN allowed_origins text[] NOT NULL DEFAULT '{}'`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
