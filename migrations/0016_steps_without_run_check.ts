// A step row is written only by the engine, for a run it holds locked in the same transaction, so
// the foreign key from steps to runs checked what cannot be otherwise — at a cost of an index
// probe and a row lock on every step written (a fifth of the step insert). Outbox messages were
// checked against their run in the same way. Steps keep going with their run: a trigger deletes
// them when runs are deleted (runs go with their profile, whose messages go by their own key).
// Nothing reads messages by run, so the index that served the removed cascade goes too.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE steps DROP CONSTRAINT IF EXISTS steps_run_id_fkey`.execute(db);
  await sql`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_run_id_fkey`.execute(db);
  await sql`DROP INDEX IF EXISTS messages_run`.execute(db);
  await sql`
    CREATE FUNCTION runs_delete_steps() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      DELETE FROM steps WHERE run_id IN (SELECT id FROM gone);
      RETURN NULL;
    END
    $$`.execute(db);
  await sql`
    CREATE TRIGGER runs_delete_steps AFTER DELETE ON runs
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION runs_delete_steps()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
