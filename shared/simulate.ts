// The simulator: one customer through a journey graph with a virtual clock, using the node types'
// own `execute` and the engine's own node context (shared/run-context.ts) — nothing is written
// anywhere. A pure function of graph + profile + events + clock, so the canvas can show what a
// draft will do, and tests can hold the engine to the same paths.
import type { RuleOutcome } from './conditions';
import { matchesFilter, type Condition } from './conditions';
import type { JourneyGraph } from './graph';
import type {
  EventView,
  NodeResult,
  NodeTypeRegistry,
  OutboxMessage,
  ProfileView,
  ResumeReason,
} from './node-type';
import { createRunContext, currentProfile, emptyStagedWrites, NodeFailure } from './run-context';
import { inQuietHours, nextTimeOfDay, profileTimeZone } from './time';

export interface SimulatedEvent {
  name: string;
  properties?: Record<string, unknown>;
  /** When it happens (ISO time). */
  at: string;
}

export interface SimulationInput {
  graph: JourneyGraph;
  /** The journey simulated: A/B splits and holdouts draw the same side for a customer as the engine does. */
  journeyId?: string;
  registry: NodeTypeRegistry;
  profile: { id: string; userId: string | null; traits: Record<string, unknown>; tags?: string[] };
  /** The event that starts the run (for event triggers); it happens at `start`. */
  trigger?: { name: string; properties?: Record<string, unknown> } | null;
  /** Events the customer did before the run (for conditions on event history). */
  history?: SimulatedEvent[];
  /** Events during the run ("buys after 2 days"): they answer waits for events. */
  events?: SimulatedEvent[];
  start: Date;
  /** The trigger node to start at; by default the one the trigger event names, else the first trigger. */
  triggerNodeId?: string;
  /** The journey's goal: the first goal event after entry inside the window converts the run (and may end it). */
  goal?: { event: string; where?: unknown; windowDays: number; exitOnConversion: boolean } | null;
  /** Messages due inside these hours (customer's local time) go out when they end. */
  quietHours?: { start: string; end: string };
  maxSteps?: number;
}

export interface SimulatedStep {
  nodeId: string;
  type: string;
  at: string;
  /** The port taken, or null while waiting / on exit or failure. */
  port: string | null;
  outcome: 'passed' | 'exited' | 'failed' | 'waiting';
  /** The rules a condition evaluated, with the values it saw. */
  why: RuleOutcome[];
  /** For waits: until when, and what ended the wait. */
  wait?: {
    until: string;
    event?: string;
    endedBy: 'timer' | 'event' | 'timeout' | 'horizon' | 'converted';
    at: string;
    timeZone: string;
  };
  messages: Array<OutboxMessage & { deliverAt: string; delayedBy?: string }>;
  logs: string[];
  error?: string;
}

export interface SimulationResult {
  steps: SimulatedStep[];
  status: 'completed' | 'exited' | 'failed' | 'waiting' | 'too-many-steps';
  converted: boolean;
  /** When the run converted (its goal event's time, or when it passed a goal node). */
  convertedAt?: string;
  traits: Record<string, unknown>;
  tags: string[];
  variables: Record<string, unknown>;
  startedJourneys: string[];
  error?: string;
}

/** Waits longer than this end the simulation with the run still waiting. */
const horizonMilliseconds = 400 * 86_400_000;

/** The trigger node a run starts at: the one the trigger event names, else the journey's first trigger. */
export function startingTrigger(
  graph: JourneyGraph,
  registry: NodeTypeRegistry,
  eventName?: string,
): JourneyGraph['nodes'][number] | undefined {
  const triggers = graph.nodes.filter((node) => registry.get(node.type)?.trigger);
  return (
    triggers.find(
      (node) =>
        eventName !== undefined && registry.get(node.type)!.trigger!.eventName?.(node.config) === eventName,
    ) ?? triggers[0]
  );
}

export async function simulate(input: SimulationInput): Promise<SimulationResult> {
  const nodes = new Map(input.graph.nodes.map((node) => [node.id, node]));
  const next = new Map(
    input.graph.edges.map((edge) => [`${edge.source}\u0000${edge.sourcePort}`, edge.target]),
  );
  const start = input.triggerNodeId
    ? nodes.get(input.triggerNodeId)
    : startingTrigger(input.graph, input.registry, input.trigger?.name);
  const result: SimulationResult = {
    steps: [],
    status: 'completed',
    converted: false,
    traits: { ...input.profile.traits },
    tags: [...(input.profile.tags ?? [])],
    variables: {},
    startedJourneys: [],
  };
  if (!start) return { ...result, status: 'failed', error: 'the journey has no trigger' };

  let now = new Date(input.start);
  const triggerEvent: EventView | null = input.trigger
    ? {
        id: 'simulated-trigger',
        name: input.trigger.name,
        properties: input.trigger.properties ?? {},
        occurredAt: now.toISOString(),
      }
    : null;
  const happened: SimulatedEvent[] = [
    ...(input.history ?? []),
    ...(triggerEvent ? [{ name: triggerEvent.name, at: triggerEvent.occurredAt }] : []),
  ];
  // Events in the order they happen; ties keep the order given (as a batch's do in the engine).
  const upcoming = (input.events ?? [])
    .map((event, index) => ({ event, index, at: Date.parse(event.at) }))
    .sort((a, b) => a.at - b.at || a.index - b.index)
    .map(({ event, at }, index) => ({ ...event, time: at, index }));
  const countEvents = async (name: string, withinDays?: number) => {
    const since = withinDays === undefined ? -Infinity : now.getTime() - withinDays * 86_400_000;
    const seen = [
      ...happened.map((event) => ({ name: event.name, time: Date.parse(event.at) })),
      ...upcoming.filter((event) => event.time <= now.getTime()),
    ];
    return seen.filter((event) => event.name === name && event.time >= since && event.time <= now.getTime())
      .length;
  };
  // Where the run is in event time: a moment, and the last event it took (the trigger is -1); an
  // event answers a wait only after that position, as in the engine.
  let position = { time: now.getTime(), index: -1 };
  const isAfterPosition = (event: { time: number; index: number }) =>
    event.time > position.time || (event.time === position.time && event.index > position.index);
  // The journey goal: its first event after entry, inside the window.
  const goal = input.goal ?? null;
  const goalEvent = goal
    ? upcoming.find(
        (event) =>
          event.name === goal.event &&
          isAfterPosition(event) &&
          event.time <= input.start.getTime() + goal.windowDays * 86_400_000 &&
          matchesFilter(goal.where as Condition | undefined, {
            traits: {},
            event: event.properties ?? {},
            variables: {},
          }),
      )
    : undefined;
  if (goalEvent)
    Object.assign(result, { converted: true, convertedAt: new Date(goalEvent.time).toISOString() });
  let exitAt = goalEvent && goal?.exitOnConversion ? goalEvent.time : null;
  let nodeConverted = false;

  let nodeId = start.id;
  let resume: ResumeReason | null = null;
  let variables: Record<string, unknown> = {};
  for (let hop = 0; hop < (input.maxSteps ?? 200); hop++) {
    const node = nodes.get(nodeId);
    const definition = node ? input.registry.get(node.type) : undefined;
    if (!node || !definition)
      return {
        ...result,
        status: 'failed',
        error: `node "${nodeId}" is not in the journey or its type is unknown`,
      };
    const parsed = definition.config.safeParse(node.config);
    const step: SimulatedStep = {
      nodeId,
      type: node.type,
      at: now.toISOString(),
      port: null,
      outcome: 'passed',
      why: [],
      messages: [],
      logs: [],
    };
    if (!parsed.success) {
      result.steps.push({
        ...step,
        outcome: 'failed',
        error: `the node's settings are invalid: ${parsed.error.issues[0]?.message}`,
      });
      return { ...result, status: 'failed', error: step.error };
    }
    const profile: ProfileView = {
      id: input.profile.id,
      userId: input.profile.userId,
      traits: result.traits,
      tags: result.tags,
    };
    const staged = emptyStagedWrites(variables);
    const why: RuleOutcome[] = [];
    const context = createRunContext({
      now,
      runId: 'simulation',
      nodeId,
      journeyId: input.journeyId ?? 'simulation',
      profile,
      event: triggerEvent,
      resume,
      staged,
      countEvents,
      trace: why,
    });
    let outcome: NodeResult;
    try {
      outcome = await definition.execute(context, parsed.data);
    } catch (error) {
      const reason = error instanceof NodeFailure || error instanceof Error ? error.message : String(error);
      result.steps.push({ ...step, outcome: 'failed', error: reason, why });
      return { ...result, status: 'failed', error: reason };
    }
    // The node succeeded: what it staged takes effect, as the engine commits it with the step.
    variables = staged.variables;
    const after = currentProfile(profile, staged);
    result.traits = after.traits;
    result.tags = [...after.tags];
    result.variables = variables;
    result.startedJourneys.push(...staged.journeyStarts);
    // A goal node converts the run unless a goal event came first (which then may end it).
    if (staged.goalReached && !(goalEvent && goalEvent.time <= now.getTime()) && !nodeConverted) {
      nodeConverted = true;
      exitAt = null;
      Object.assign(result, { converted: true, convertedAt: now.toISOString() });
    }
    step.why = why;
    step.logs = staged.logs;
    step.messages = staged.messages.map((message) =>
      deliveryTime(message, now, result.traits, input.quietHours),
    );

    if ('port' in outcome || 'exit' in outcome) {
      if (resume) {
        // The waiting step closes now, on the port the resume took.
        const open = result.steps.at(-1)!;
        Object.assign(open, {
          port: 'port' in outcome ? outcome.port : null,
          outcome: 'exit' in outcome ? 'exited' : 'passed',
          why: [...open.why, ...why],
          messages: [...open.messages, ...step.messages],
          logs: [...open.logs, ...step.logs],
        });
      } else
        result.steps.push({
          ...step,
          port: 'port' in outcome ? outcome.port : null,
          outcome: 'exit' in outcome ? 'exited' : 'passed',
        });
      if ('exit' in outcome) return { ...result, status: 'exited' };
      const target = next.get(`${nodeId}\u0000${outcome.port}`);
      if (!target) return { ...result, status: 'completed' };
      nodeId = target;
      resume = null;
      continue;
    }
    if (resume) {
      result.steps.push({ ...step, outcome: 'failed', error: 'the node asked to wait again after resuming' });
      return { ...result, status: 'failed', error: 'waited twice' };
    }
    // A wait: the virtual clock moves on to whatever ends it first.
    const zone = profileTimeZone(result.traits);
    const until = 'waitUntil' in outcome ? outcome.waitUntil : outcome.waitForEvent.timeoutAt;
    const waitedFor = 'waitForEvent' in outcome ? outcome.waitForEvent : null;
    // A conversion that ends the run comes first when it happens before the wait would end.
    const ends = exitAt !== null && exitAt <= until.getTime() ? exitAt : null;
    const deadline = ends ?? until.getTime();
    const answer = waitedFor
      ? upcoming.find(
          (event) =>
            event.name === waitedFor.event &&
            isAfterPosition(event) &&
            event.time < deadline &&
            matchesFilter(waitedFor.where, {
              traits: result.traits,
              event: event.properties ?? {},
              variables,
            }),
        )
      : undefined;
    const waitStep: SimulatedStep = {
      ...step,
      outcome: 'waiting',
      wait: {
        until: until.toISOString(),
        ...(waitedFor ? { event: waitedFor.event } : {}),
        endedBy: 'timer',
        at: until.toISOString(),
        timeZone: zone,
      },
    };
    result.steps.push(waitStep);
    if (answer) {
      now = new Date(answer.time);
      position = { time: answer.time, index: answer.index };
      waitStep.wait = { ...waitStep.wait!, endedBy: 'event', at: answer.at };
      resume = {
        kind: 'event',
        event: {
          id: `simulated-${answer.name}`,
          name: answer.name,
          properties: answer.properties ?? {},
          occurredAt: now.toISOString(),
        },
      };
      continue;
    }
    if (ends !== null) {
      // The journey exits on conversion: the run leaves the wait when the goal event happens.
      now = new Date(Math.max(ends, now.getTime()));
      Object.assign(waitStep, { port: 'converted', outcome: 'exited' });
      waitStep.wait = { ...waitStep.wait!, endedBy: 'converted', at: now.toISOString() };
      return { ...result, status: 'exited' };
    }
    if (until.getTime() - input.start.getTime() > horizonMilliseconds) {
      waitStep.wait = { ...waitStep.wait!, endedBy: 'horizon' };
      return { ...result, status: 'waiting' };
    }
    now = new Date(Math.max(until.getTime(), now.getTime()));
    position = { time: now.getTime(), index: -1 };
    waitStep.wait = { ...waitStep.wait!, endedBy: waitedFor ? 'timeout' : 'timer', at: now.toISOString() };
    resume = waitedFor ? { kind: 'timeout' } : { kind: 'timer' };
  }
  return {
    ...result,
    status: 'too-many-steps',
    error: `stopped after ${input.maxSteps ?? 200} steps (a loop?)`,
  };
}

function deliveryTime(
  message: OutboxMessage,
  now: Date,
  traits: Record<string, unknown>,
  quietHours?: { start: string; end: string },
) {
  if (!quietHours || message.channel === 'webhook') return { ...message, deliverAt: now.toISOString() };
  const zone = profileTimeZone(traits);
  if (!inQuietHours(now, zone, quietHours)) return { ...message, deliverAt: now.toISOString() };
  return {
    ...message,
    deliverAt: nextTimeOfDay(now, quietHours.end, zone).toISOString(),
    delayedBy: `quiet hours in ${zone}`,
  };
}
