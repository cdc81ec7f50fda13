// The context a node's `execute` gets: reads of the profile and trigger event, and writes that are
// staged here and committed with the step — or dropped when the node throws. One implementation
// for the engine (server/engine, event counts from the database) and the simulator (in memory).
import { stableBucket } from './bucket';
import { evaluateCondition, groupFields, type Condition } from './conditions';
import type { EventView, NodeContext, OutboxMessage, ProfileView, ResumeReason } from './node-type';

/** `ctx.fail(reason)`: fail the run at once, no retry. */
export class NodeFailure extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'NodeFailure';
  }
}

export interface StagedWrites {
  variables: Record<string, unknown>;
  traitSets: Record<string, unknown>;
  traitUnsets: Set<string>;
  addTags: Set<string>;
  removeTags: Set<string>;
  messages: OutboxMessage[];
  journeyStarts: string[];
  goalReached: boolean;
  logs: string[];
}

export function emptyStagedWrites(variables: Record<string, unknown>): StagedWrites {
  return {
    variables: { ...variables },
    traitSets: {},
    traitUnsets: new Set(),
    addTags: new Set(),
    removeTags: new Set(),
    messages: [],
    journeyStarts: [],
    goalReached: false,
    logs: [],
  };
}

export interface ContextInput {
  now: Date;
  runId: string;
  nodeId: string;
  journeyId: string;
  profile: ProfileView;
  event: EventView | null;
  resume: ResumeReason | null;
  staged: StagedWrites;
  /** How often the profile did `event`, counted up to `now` (within `withinDays`, if given). */
  countEvents(event: string, withinDays?: number): Promise<number>;
  /** Every rule a condition evaluates in this step is also added here (the simulator shows why). */
  trace?: Array<{ rule: string; actual: unknown; passed: boolean }>;
}

/** The profile as this run sees it now: as loaded, with the run's own staged changes applied. */
export function currentProfile(profile: ProfileView, staged: StagedWrites): ProfileView {
  const traits: Record<string, unknown> = { ...profile.traits, ...staged.traitSets };
  for (const name of staged.traitUnsets) delete traits[name];
  const tags = new Set(profile.tags);
  for (const tag of staged.addTags) tags.add(tag);
  for (const tag of staged.removeTags) tags.delete(tag);
  return { ...profile, traits, tags: [...tags] };
}

export function createRunContext(input: ContextInput): NodeContext {
  const { staged } = input;
  const countEvents = input.countEvents;
  // None of these use `this`: each works taken off the object (`const { send } = ctx`).
  return {
    now: input.now,
    runId: input.runId,
    nodeId: input.nodeId,
    journeyId: input.journeyId,
    get profile() {
      return currentProfile(input.profile, staged);
    },
    event: input.event,
    get variables() {
      return staged.variables;
    },
    resume: input.resume,
    setVariable(name, value) {
      staged.variables[name] = value;
    },
    setTrait(name, value) {
      staged.traitSets[name] = value;
      staged.traitUnsets.delete(name);
    },
    unsetTrait(name) {
      delete staged.traitSets[name];
      staged.traitUnsets.add(name);
    },
    addTag(tag) {
      staged.addTags.add(tag);
      staged.removeTags.delete(tag);
    },
    removeTag(tag) {
      staged.removeTags.add(tag);
      staged.addTags.delete(tag);
    },
    send(message) {
      staged.messages.push(message);
    },
    countEvents,
    async evaluate(condition: Condition, why) {
      const outcomes = why ?? [];
      const passed = await evaluateCondition(
        condition,
        {
          traits: currentProfile(input.profile, staged).traits as Record<string, unknown>,
          event: (input.event?.properties as Record<string, unknown>) ?? null,
          variables: staged.variables,
          group: groupFields(input.profile.group),
          countEvents,
        },
        outcomes,
      );
      input.trace?.push(...outcomes);
      return passed;
    },
    bucket(salt) {
      return stableBucket(input.profile.id, salt);
    },
    startJourney(journeyId) {
      staged.journeyStarts.push(journeyId);
    },
    reachGoal() {
      staged.goalReached = true;
    },
    log(message) {
      staged.logs.push(message);
    },
    fail(reason): never {
      throw new NodeFailure(reason);
    },
  };
}
