// Table types for kysely, one place. Mirrors migrations/.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, T | string, T | string>;
/** A JSON column with a database default. */
type JsonWithDefault<T> = ColumnType<T, T | string | undefined, T | string>;

export type JourneyStatus = 'draft' | 'live' | 'paused' | 'archived';
export type EntryRule = 'never' | 'after' | 'always';
export type RunStatus = 'active' | 'waiting' | 'completed' | 'exited' | 'failed';

export interface WorkspacesTable {
  id: Generated<string>;
  name: string;
  settings: JsonWithDefault<Record<string, unknown>>;
  created_at: Generated<Date>;
}

export interface JourneyGoal {
  event: string;
  where?: unknown;
  windowDays: number;
  exitOnConversion: boolean;
}

export interface NodeStatsTable {
  version_id: string;
  node_id: string;
  port: string;
  hour: Timestamp;
  shard: number;
  entered: ColumnType<number, number | undefined, number>;
  passed: ColumnType<number, number | undefined, number>;
  exited: ColumnType<number, number | undefined, number>;
  failed: ColumnType<number, number | undefined, number>;
  converted: ColumnType<number, number | undefined, number>;
}

export interface JourneysTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  status: Generated<JourneyStatus>;
  draft: Json;
  draft_revision: Generated<number>;
  entry_rule: Generated<EntryRule>;
  reentry_days: number | null;
  live_version_id: string | null;
  goal: Json<JourneyGoal | null> | null;
  /** Test mode: the test version the listed test profiles enter (by trigger events too), and how much shorter its waits are. */
  test_version_id: string | null;
  test_profile_ids: Generated<string[]>;
  test_speed: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface JourneyVersionsTable {
  id: Generated<string>;
  journey_id: string;
  workspace_id: string;
  version: number;
  graph: Json;
  published_at: Generated<Date>;
  /** Published for test profiles only (test mode); never the live version, never in stats. */
  is_test: Generated<boolean>;
}

export interface ProfilesTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string | null;
  traits: JsonWithDefault<Record<string, unknown>>;
  tags: Generated<string[]>;
  first_seen_at: Generated<Date>;
  last_seen_at: Generated<Date>;
  health_score: number | null;
  health_computed_at: NullableTimestamp;
  /** The group its latest group call named (see groups). */
  group_id: string | null;
}

export interface GroupsTable {
  workspace_id: string;
  group_id: string;
  traits: JsonWithDefault<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface GroupMembersTable {
  workspace_id: string;
  group_id: string;
  profile_id: string;
  joined_at: Date | string;
}

export interface ProfileIdentitiesTable {
  workspace_id: string;
  kind: 'user' | 'anonymous';
  value: string;
  profile_id: string;
}

export interface EventsTable {
  id: Generated<string>;
  workspace_id: string;
  profile_id: string;
  type: Generated<string>;
  name: string;
  properties: JsonWithDefault<Record<string, unknown>>;
  context: JsonWithDefault<Record<string, unknown>>;
  message_id: string;
  occurred_at: Timestamp;
  received_at: Generated<Date>;
}

export interface RunContext {
  event: { id: string; name: string; properties: Record<string, unknown>; occurredAt: string } | null;
  variables: Record<string, unknown>;
  /** Set when the run was moved onto a new version with its wait re-timed: when it entered the old wait. */
  retimeFrom?: string;
  /** A test run (test mode): its waits are `speed` times shorter, its messages go to the test address. */
  test?: { speed: number };
  /**
   * Where the run is in event time: the trigger event's time at entry, then the time of each event
   * that ended a wait or the time a wait's timer was due. Nodes run with this as `ctx.now`.
   */
  clock?: string;
  /** The event that set `clock` (the trigger event, or the event that ended the last wait). */
  clockEvent?: string | null;
  /** Started by another journey (its trait change or Start journey step): how deep in that chain. */
  depth?: number;
  /** The run's clock when it entered the journey (the goal window starts here). */
  enteredClock?: string;
  /** While waiting: when (event time) the wait's timer is due. */
  waitUntil?: string;
  /** While waiting: the wait is for an event. */
  awaitsEvent?: boolean;
  /** Set when a goal node converted the run: its path is credited up to that step only. */
  convertedSeq?: number;
  /** The last touchpoint the run passed (for last-touch attribution of later conversions). */
  lastTouch?: string;
}

export interface RunsTable {
  id: Generated<string>;
  workspace_id: string;
  journey_id: string;
  version_id: string;
  profile_id: string;
  status: Generated<RunStatus>;
  current_node: string;
  seq: Generated<number>;
  context: JsonWithDefault<RunContext>;
  attempts: Generated<number>;
  error: string | null;
  wake_at: NullableTimestamp;
  entered_at: Generated<Date>;
  ended_at: NullableTimestamp;
  converted_at: NullableTimestamp;
}

export interface StepsTable {
  run_id: string;
  seq: number;
  workspace_id: string;
  journey_id: string;
  version_id: string;
  node_id: string;
  entered_at: Timestamp;
  left_at: NullableTimestamp;
  port: string | null;
  outcome: Generated<'waiting' | 'passed' | 'exited' | 'failed'>;
  error: string | null;
}

export type MessageStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'delivered'
  | 'opened'
  | 'clicked'
  | 'bounced'
  | 'failed'
  | 'suppressed'
  | 'uncertain'
  | 'expired';

export interface MessagesTable {
  id: Generated<string>;
  workspace_id: string;
  run_id: string | null;
  profile_id: string | null;
  journey_id: string | null;
  node_id: string | null;
  channel: 'email' | 'sms' | 'push' | 'webhook';
  recipient: string | null;
  content: Json<Record<string, unknown>>;
  idempotency_key: string;
  status: Generated<MessageStatus>;
  provider_id: string | null;
  error: string | null;
  created_at: Generated<Date>;
  sent_at: NullableTimestamp;
  send_after: NullableTimestamp;
  attempts: Generated<number>;
  claimed_at: NullableTimestamp;
  opened_at: NullableTimestamp;
  clicked_at: NullableTimestamp;
  unsubscribed_at: NullableTimestamp;
  is_test: Generated<boolean>;
  /** The claimer's fencing token; its writes check it. */
  claim_token: string | null;
  /** Until when the claimer holds the message; it renews the lease while it works. */
  lease_until: NullableTimestamp;
  /** When the message was handed to its provider (committed before the call). */
  handed_at: NullableTimestamp;
}

export interface PasswordResetsTable {
  token_hash: string;
  user_id: string;
  workspace_id: string;
  created_by: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

/** A provider that is down for a workspace: its messages wait, one is sent as a probe at next_probe_at. */
export interface DeliveryProvidersTable {
  workspace_id: string;
  provider: string;
  paused_since: Timestamp;
  next_probe_at: Timestamp;
  last_error: string | null;
}

export interface SecretsTable {
  name: string;
  value: string;
}

export interface WaitsTable {
  run_id: string;
  seq: number;
  workspace_id: string;
  profile_id: string;
  event: string;
  filter: Json | null;
  expires_at: Timestamp;
  /** When (event time) the run reached the wait; null for waits made before event time. */
  reached_at: NullableTimestamp;
  /** The event that brought the run to the wait: an event at `reached_at` answers it only if its id is greater. */
  after_event: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface JourneyTriggersTable {
  workspace_id: string;
  journey_id: string;
  version_id: string;
  node_id: string;
  kind: string;
  event_name: string | null;
  config: Json<Record<string, unknown>>;
}

export interface WriteKeysTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  key_hash: string;
  key_prefix: string;
  /** Web origins the key may be used from ("https://shop.example.com"); empty: any. */
  allowed_origins: Generated<string[]>;
  created_at: Generated<Date>;
  revoked_at: NullableTimestamp;
}

export interface ProfileMetricsTable {
  profile_id: string;
  event: string;
  count: ColumnType<number, number | undefined, number>;
  sums: JsonWithDefault<Record<string, number>>;
  last_at: Timestamp;
}

export interface TriggerFiringsTable {
  journey_id: string;
  node_id: string;
  profile_id: string;
  period: string;
  fired_at: Generated<Date>;
}

export type Role = 'viewer' | 'editor' | 'publisher' | 'admin';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  password_hash: string;
  created_at: Generated<Date>;
}
export interface MembershipsTable {
  user_id: string;
  workspace_id: string;
  role: Role;
}
export interface SessionsTable {
  token_hash: string;
  user_id: string;
  workspace_id: string;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}
export interface InvitesTable {
  token_hash: string;
  workspace_id: string;
  role: Role;
  created_by: string | null;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
}
export interface AuditLogTable {
  id: Generated<number>;
  workspace_id: string;
  user_id: string | null;
  action: string;
  details: JsonWithDefault<Record<string, unknown>>;
  at: Generated<Date>;
}

export interface DB {
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  invites: InvitesTable;
  audit_log: AuditLogTable;
  secrets: SecretsTable;
  node_stats: NodeStatsTable;
  write_keys: WriteKeysTable;
  profile_metrics: ProfileMetricsTable;
  trigger_firings: TriggerFiringsTable;
  journey_triggers: JourneyTriggersTable;
  workspaces: WorkspacesTable;
  journeys: JourneysTable;
  journey_versions: JourneyVersionsTable;
  profiles: ProfilesTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  profile_identities: ProfileIdentitiesTable;
  events: EventsTable;
  runs: RunsTable;
  steps: StepsTable;
  messages: MessagesTable;
  delivery_providers: DeliveryProvidersTable;
  password_resets: PasswordResetsTable;
  waits: WaitsTable;
}

export type Journey = Selectable<JourneysTable>;
export type Run = Selectable<RunsTable>;
export type NewStep = Insertable<StepsTable>;
export type NewMessage = Insertable<MessagesTable>;
