// Groups (Segment's group call: an account, a company, a household) as data of their own: the
// group with its traits, which profiles belong to it, and each profile's current group (the one
// its latest group call named), which conditions and templates read as `group`.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE TABLE groups (
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      group_id text NOT NULL,
      traits jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (workspace_id, group_id)
    )`.execute(db);
  await sql`
    CREATE TABLE group_members (
      workspace_id uuid NOT NULL,
      group_id text NOT NULL,
      profile_id uuid NOT NULL REFERENCES profiles(id) ON DELETE CASCADE,
      joined_at timestamptz NOT NULL,
      PRIMARY KEY (profile_id, group_id),
      FOREIGN KEY (workspace_id, group_id) REFERENCES groups(workspace_id, group_id) ON DELETE CASCADE
    )`.execute(db);
  await sql`CREATE INDEX group_members_by_group ON group_members (workspace_id, group_id)`.execute(db);
  // A nullable column without a default: no table rewrite, however many profiles there are.
  await sql`ALTER TABLE profiles ADD COLUMN group_id text`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
