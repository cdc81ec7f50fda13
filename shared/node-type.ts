// The node-type contract: one definition per node type, used by built-in types and plugins alike.
// Everything but `execute` is sent to the client as JSON (see `describeNodeType`).
import { z } from 'zod';
import type { Condition } from './conditions';

export const nodeCategories = ['trigger', 'touchpoint', 'wait', 'condition', 'action'] as const;
export type NodeCategory = (typeof nodeCategories)[number];

export interface PortSpec {
  /** Stable id stored on edges (`sourcePort`). */
  id: string;
  /** What the canvas writes on the handle ("yes", "Variant A", "timeout"). */
  label: string;
  /** A required port must be wired for the journey to publish. Default: false (an unwired port ends the run). */
  required?: boolean;
}

export type Channel = 'email' | 'sms' | 'push' | 'webhook';

export interface ProfileView {
  id: string;
  userId: string | null;
  traits: Readonly<Record<string, unknown>>;
  tags: readonly string[];
}

export interface EventView {
  id: string;
  name: string;
  properties: Readonly<Record<string, unknown>>;
  occurredAt: string;
}

/** Why a waiting node is executed again. */
export type ResumeReason =
  | { kind: 'timer' }
  | { kind: 'event'; event: EventView }
  | { kind: 'timeout' };

export interface OutboxMessage {
  channel: Channel;
  /** Recipient; when absent the channel picks it from the profile (email trait, phone trait…). */
  to?: string;
  /** Channel-specific content (subject/html, body, url/method…). Rendered at delivery. */
  content: Record<string, unknown>;
}

/**
 * What a node may do while it runs — and nothing more (no database handle).
 * Writes are collected and committed with the step, exactly once.
 *
 * @example
 * execute: async (ctx, config) => {
 *   if ((ctx.profile.traits.score as number) > config.threshold) return { port: 'yes' };
 *   return { port: 'no' };
 * }
 */
export interface NodeContext {
  readonly now: Date;
  readonly runId: string;
  readonly nodeId: string;
  readonly journeyId: string;
  readonly profile: ProfileView;
  /** The event that started this run, if an event did. */
  readonly event: EventView | null;
  readonly variables: Readonly<Record<string, unknown>>;
  /** Set when a node that asked to wait is executed again. */
  readonly resume: ResumeReason | null;
  setVariable(name: string, value: unknown): void;
  setTrait(name: string, value: unknown): void;
  unsetTrait(name: string): void;
  addTag(tag: string): void;
  removeTag(tag: string): void;
  /** Writes a message to the outbox; it is delivered after the step commits, at most once. */
  send(message: OutboxMessage): void;
  /** How often this profile did `event` (in the last `withinDays` days, if given). */
  countEvents(event: string, withinDays?: number): Promise<number>;
  /** Evaluates a condition against this profile, trigger event and variables; `why` collects evaluated rules. */
  evaluate(condition: Condition, why?: Array<{ rule: string; actual: unknown; passed: boolean }>): Promise<boolean>;
  /** A number in [0, 1) fixed for this profile and `salt`: the same customer always lands in the same bucket. */
  bucket(salt: string): number;
  /** Starts the profile in another journey once this step commits. */
  startJourney(journeyId: string): void;
  /** Marks the run converted (journey goal reached). */
  reachGoal(): void;
  log(message: string): void;
  /** Fails the run now, with this reason kept on the run (no retry). */
  fail(reason: string): never;
}

export type NodeResult =
  | { port: string }
  | { waitUntil: Date }
  | { waitForEvent: { event: string; where?: Condition; timeoutAt: Date } }
  | { exit: true };

export interface TriggerSpec<Config> {
  kind: 'event' | 'segment' | 'recurring' | 'threshold' | 'health';
  /** For event triggers: the event name this config listens to (used to find journeys fast). */
  eventName?: (config: Config) => string | undefined;
}

export interface NodeTypeDefinition<Config = any> {
  /** Unique id, dotted: `touchpoint.email`, `acme.create-crm-task`. */
  type: string;
  /** Bump when the config changes shape; older journeys keep working when new fields are optional. */
  version: number;
  category: NodeCategory;
  label: string;
  description: string;
  /** The icon the canvas shows: a lucide icon name (client/ui/node-icon.tsx lists them, e.g. "mail"), or an emoji. */
  icon: string;
  config: z.ZodType<Config>;
  /** Output ports; may depend on config (a split has one per branch). Triggers and actions usually have `out`. */
  ports: (config: Config) => PortSpec[];
  /** One line for the node on the canvas ("Wait 1 day"). */
  summary: (config: Config) => string;
  /** Whether this node can pause a run (delay, wait until, wait for event). Cycles need one. */
  waits?: boolean;
  trigger?: TriggerSpec<Config>;
  execute: (ctx: NodeContext, config: Config) => Promise<NodeResult> | NodeResult;
}

/**
 * Declares a node type. Built-in types and plugins use this one function.
 *
 * @example
 * export default defineNodeType({
 *   type: 'acme.score-lead', version: 1, category: 'condition', label: 'Score lead',
 *   description: 'Hot leads go one way, cold ones the other', icon: '🔥',
 *   config: z.object({ threshold: z.number().default(50) }),
 *   ports: () => [{ id: 'hot', label: 'hot' }, { id: 'cold', label: 'cold' }],
 *   summary: (c) => `Score ≥ ${c.threshold}`,
 *   execute: (ctx, c) => ({ port: Number(ctx.profile.traits.score ?? 0) >= c.threshold ? 'hot' : 'cold' }),
 * });
 */
export function defineNodeType<Config>(definition: NodeTypeDefinition<Config>): NodeTypeDefinition<Config> {
  return definition;
}

/** What the client learns about a node type: everything but `execute`, the config as JSON Schema. */
export interface NodeTypeDescription {
  type: string;
  version: number;
  category: NodeCategory;
  label: string;
  description: string;
  icon: string;
  waits: boolean;
  trigger: TriggerSpec<unknown>['kind'] | null;
  configSchema: unknown;
  defaultConfig: unknown;
  /** Ports for the default config; nodes with config-dependent ports are re-asked via `portsFor`. */
  defaultPorts: PortSpec[];
}

export function describeNodeType(definition: NodeTypeDefinition): NodeTypeDescription {
  const parsedDefault = definition.config.safeParse({});
  const defaultConfig = parsedDefault.success ? parsedDefault.data : {};
  return {
    type: definition.type,
    version: definition.version,
    category: definition.category,
    label: definition.label,
    description: definition.description,
    icon: definition.icon,
    waits: definition.waits ?? false,
    trigger: definition.trigger?.kind ?? null,
    configSchema: z.toJSONSchema(definition.config, { io: 'input', unrepresentable: 'any' }),
    defaultConfig,
    defaultPorts: parsedDefault.success ? definition.ports(parsedDefault.data) : [],
  };
}

/** A set of node types by id. */
export type NodeTypeRegistry = ReadonlyMap<string, NodeTypeDefinition>;

export function createRegistry(definitions: readonly NodeTypeDefinition[]): Map<string, NodeTypeDefinition> {
  const registry = new Map<string, NodeTypeDefinition>();
  for (const definition of definitions) {
    if (registry.has(definition.type)) throw new Error(`node type "${definition.type}" is defined twice`);
    registry.set(definition.type, definition);
  }
  return registry;
}
