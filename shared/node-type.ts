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
  /** The group (account, company, household) its latest group call named, with the group's traits. */
  group?: { readonly id: string; readonly traits: Readonly<Record<string, unknown>> } | null;
}

export interface EventView {
  id: string;
  name: string;
  properties: Readonly<Record<string, unknown>>;
  occurredAt: string;
}

/** Why a waiting node is executed again. */
export type ResumeReason = { kind: 'timer' } | { kind: 'event'; event: EventView } | { kind: 'timeout' };

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
  evaluate(
    condition: Condition,
    why?: Array<{ rule: string; actual: unknown; passed: boolean }>,
  ): Promise<boolean>;
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

/** The languages of the UI. English is the definition's own text; others come from `translations`. */
export const locales = ['en', 'de'] as const;
export type Locale = (typeof locales)[number];

/** What a user reads about a field: its label, one line of help, names for an enum's values. */
export interface FieldText {
  title?: string;
  description?: string;
  /** Enum value → what the select shows ("below" → "falls below"); for a list of choices, a choice's tag value → its name. */
  options?: Record<string, string>;
  /** For a list: what one entry is called ("Variant" → "Variant 1", "Add variant"). */
  itemTitle?: string;
}

/**
 * A node type's words in another language; whatever is left out stays English. English itself
 * is the definition: label, description, port labels, and the config's `.meta({ title,
 * description, options })` for each field.
 */
export interface NodeTranslation<Config = any> {
  label: string;
  description: string;
  /** Port labels by port id ({ out: 'weiter' }); ports a config names (variants, branches) keep their names. */
  ports?: Record<string, string>;
  /** Field texts by path into the config: "subject", "variants.label", "operations.trait". */
  fields?: Record<string, FieldText>;
  summary?: (config: Config) => string;
  /** A new node's starting values in this language where the definition's default is English text (a greeting, a goal's name). */
  defaults?: Partial<Config>;
  /** The config's validation messages: the English text → this language. */
  messages?: Record<string, string>;
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
  /** The journey variables this node sets (`ctx.setVariable`), offered in the variable picker as {{ vars.… }}. */
  variables?: (config: Config, nodeId: string) => string[];
  /** The label, description, ports, fields, summary and messages in other languages (see NodeTranslation). */
  translations?: Partial<Record<Exclude<Locale, 'en'>, NodeTranslation<Config>>>;
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
  /** The config's validation messages in the chosen language (English text → translation). */
  messages: Record<string, string>;
}

/** The translation of a definition for a language, or undefined for English (and missing ones). */
export function translationOf<Config>(
  definition: NodeTypeDefinition<Config>,
  locale: Locale,
): NodeTranslation<Config> | undefined {
  return locale === 'en' ? undefined : definition.translations?.[locale];
}

/** Port labels in a language: a translated label where the port's id has one, else the definition's. */
export function localizedPorts<Config>(
  definition: NodeTypeDefinition<Config>,
  config: Config,
  locale: Locale,
): PortSpec[] {
  const names = translationOf(definition, locale)?.ports;
  return definition
    .ports(config)
    .map((port) => (names?.[port.id] ? { ...port, label: names[port.id] } : port));
}

/** The summary line in a language (the English one where no translation gives it). */
export function localizedSummary<Config>(
  definition: NodeTypeDefinition<Config>,
  config: Config,
  locale: Locale,
): string {
  return (translationOf(definition, locale)?.summary ?? definition.summary)(config);
}

type SchemaNode = {
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
  oneOf?: SchemaNode[];
  $ref?: string;
  $defs?: Record<string, SchemaNode>;
} & FieldText;

/** Writes field texts into a JSON Schema by path ("variants.label" reaches into the array's items and a union's variants). */
function applyFieldTexts(root: SchemaNode, fields: Record<string, FieldText>): void {
  const reach = (schema: SchemaNode | undefined, names: string[], text: FieldText): void => {
    if (!schema) return;
    if (names.length === 0) {
      Object.assign(schema, {
        ...text,
        options: text.options ? { ...schema.options, ...text.options } : schema.options,
      });
      return;
    }
    // A path goes on through references, lists and the variants of a choice to the named field.
    if (schema.$ref) reach(root.$defs?.[schema.$ref.split('/').pop()!], names, text);
    for (const variant of [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])]) reach(variant, names, text);
    if (schema.items) reach(schema.items, names, text);
    const [head, ...rest] = names;
    reach(schema.properties?.[head], rest, text);
  };
  for (const [path, text] of Object.entries(fields)) reach(root, path.split('.'), text);
}

export function describeNodeType(definition: NodeTypeDefinition, locale: Locale = 'en'): NodeTypeDescription {
  const translation = translationOf(definition, locale);
  const translatedDefault = translation?.defaults
    ? definition.config.safeParse(translation.defaults)
    : undefined;
  const parsedDefault = translatedDefault?.success ? translatedDefault : definition.config.safeParse({});
  const defaultConfig = parsedDefault.success ? parsedDefault.data : {};
  const configSchema = z.toJSONSchema(definition.config, {
    io: 'input',
    unrepresentable: 'any',
  }) as SchemaNode;
  if (translation?.fields) applyFieldTexts(configSchema, translation.fields);
  return {
    type: definition.type,
    version: definition.version,
    category: definition.category,
    label: translation?.label ?? definition.label,
    description: translation?.description ?? definition.description,
    icon: definition.icon,
    waits: definition.waits ?? false,
    trigger: definition.trigger?.kind ?? null,
    configSchema,
    defaultConfig,
    defaultPorts: parsedDefault.success ? localizedPorts(definition, parsedDefault.data, locale) : [],
    messages: translation?.messages ?? {},
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
