// Delivery that cannot overlap and does not give up during an outage.
// - A claimed message carries its claimer's token and a lease the claimer renews while it works;
//   every write of the claimer checks the token (a fencing token), and only an expired lease may
//   be claimed again.
// - `handed_at` records that the message was given to the provider (committed before the call),
//   so a claim left by a dead worker says whether its outcome is unknown: such a message is
//   resent with its idempotency key where the provider honours one, or marked `uncertain`.
// - Messages older than the outbox's maximum age while their provider is down are `expired`.
// - delivery_providers: a provider that is down (connection refused, timeouts, temporary
//   answers) is paused for its workspace and probed again; its messages stay queued.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE messages ADD COLUMN claim_token uuid, ADD COLUMN lease_until timestamptz, ADD COLUMN handed_at timestamptz`.execute(
    db,
  );
  await sql`ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_status_check`.execute(db);
  await sql`ALTER TABLE messages ADD CONSTRAINT messages_status_check CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'opened', 'clicked', 'bounced', 'failed', 'suppressed', 'uncertain', 'expired'))`.execute(
    db,
  );
  // A message being sent when this migration runs may already be with its provider.
  await sql`UPDATE messages SET lease_until = claimed_at + interval '2 minutes', handed_at = claimed_at WHERE status = 'sending'`.execute(
    db,
  );
  await sql`CREATE INDEX messages_sending_lease ON messages (lease_until) WHERE status = 'sending'`.execute(
    db,
  );
  await sql`DROP INDEX IF EXISTS messages_sending_claimed`.execute(db);
  await sql`
    CREATE TABLE delivery_providers (
      workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
      provider text NOT NULL,
      paused_since timestamptz NOT NULL,
      next_probe_at timestamptz NOT NULL,
      last_error text,
      PRIMARY KEY (workspace_id, provider)
    )`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('migrations are forward-only');
}
