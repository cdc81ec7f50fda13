// The built-in node types, written with the same `defineNodeType` API plugins use.
import type { NodeTypeDefinition } from '../node-type';
import { exit } from './actions/exit';
import { goal } from './actions/goal';
import { startJourney } from './actions/start-journey';
import { updateProfile } from './actions/update-profile';
import { abSplit } from './conditions/ab-split';
import { holdout } from './conditions/holdout';
import { ifElse } from './conditions/if-else';
import { multiSplit } from './conditions/multi-split';
import { email } from './touchpoints/email';
import { push } from './touchpoints/push';
import { sms } from './touchpoints/sms';
import { webhook } from './touchpoints/webhook';
import { eventTrigger } from './triggers/event-trigger';
import { healthTrigger } from './triggers/health-trigger';
import { recurringTrigger } from './triggers/recurring-trigger';
import { segmentTrigger } from './triggers/segment-trigger';
import { thresholdTrigger } from './triggers/threshold-trigger';
import { delay } from './waits/delay';
import { waitForEvent } from './waits/wait-for-event';
import { waitUntil } from './waits/wait-until';

export const builtInNodeTypes: NodeTypeDefinition[] = [
  eventTrigger,
  segmentTrigger,
  recurringTrigger,
  thresholdTrigger,
  healthTrigger,
  email,
  sms,
  push,
  webhook,
  delay,
  waitUntil,
  waitForEvent,
  ifElse,
  multiSplit,
  abSplit,
  holdout,
  updateProfile,
  startJourney,
  goal,
  exit,
];
