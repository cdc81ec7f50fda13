// Every migration, in order. Forward-only; a landed migration is never edited.
import type { Migration } from 'kysely';
import * as m0001 from './0001_initial';
import * as m0002 from './0002_profiles_and_events';
import * as m0003 from './0003_runs';
import * as m0004 from './0004_ingest';
import * as m0005 from './0005_health_score';
import * as m0006 from './0006_stats';
import * as m0007 from './0007_channels';
import * as m0008 from './0008_accounts';
import * as m0009 from './0009_message_outcomes';
import * as m0010 from './0010_test_mode';
import * as m0011 from './0011_events_without_workspace_check';
import * as m0012 from './0012_runs_without_hot_row_checks';
import * as m0013 from './0013_identities_without_workspace_check';
import * as m0014 from './0014_outbox_claim_order';
import * as m0015 from './0015_steps_by_journey_node';
import * as m0016 from './0016_steps_without_run_check';
import * as m0017 from './0017_waits_in_event_time';
import * as m0018 from './0018_delivery_leases';
import * as m0019 from './0019_password_resets';
import * as m0020 from './0020_groups';
import * as m0021 from './0021_write_key_origins';

export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_profiles_and_events': m0002,
  '0003_runs': m0003,
  '0004_ingest': m0004,
  '0005_health_score': m0005,
  '0006_stats': m0006,
  '0007_channels': m0007,
  '0008_accounts': m0008,
  '0009_message_outcomes': m0009,
  '0010_test_mode': m0010,
  '0011_events_without_workspace_check': m0011,
  '0012_runs_without_hot_row_checks': m0012,
  '0013_identities_without_workspace_check': m0013,
  '0014_outbox_claim_order': m0014,
  '0015_steps_by_journey_node': m0015,
  '0016_steps_without_run_check': m0016,
  '0017_waits_in_event_time': m0017,
  '0018_delivery_leases': m0018,
  '0019_password_resets': m0019,
  '0020_groups': m0020,
  '0021_write_key_origins': m0021,
};
