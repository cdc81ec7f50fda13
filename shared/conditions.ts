// The condition language: what if/else, splits, filters and segments are written in.
// Structured JSON (the condition builder edits it), evaluated here, purely.
import { z } from 'zod';

export const operators = [
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'notContains',
  'startsWith',
  'in',
  'notIn',
  'exists',
  'notExists',
  'before',
  'after',
] as const;
export type Operator = (typeof operators)[number];

export const attributeRuleSchema = z.object({
  kind: z.literal('attribute'),
  source: z.enum(['trait', 'event', 'variable', 'group']),
  path: z.string().min(1, 'name the trait, event property, variable or group trait').max(200),
  op: z.enum(operators),
  value: z.unknown().optional(),
});

export const eventHistoryRuleSchema = z.object({
  kind: z.literal('eventHistory'),
  event: z.string().min(1, 'name the event').max(200),
  op: z.enum(['gte', 'lt', 'eq']).default('gte'),
  count: z.number().int().min(0).default(1),
  withinDays: z.number().positive().max(3650).optional(),
});

export type AttributeRule = z.infer<typeof attributeRuleSchema>;
export type EventHistoryRule = z.infer<typeof eventHistoryRuleSchema>;
export type Rule = AttributeRule | EventHistoryRule;
export interface Condition {
  match: 'all' | 'any';
  rules: Array<Rule | Condition>;
}

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.object({
    match: z.enum(['all', 'any']).default('all'),
    rules: z.array(z.union([attributeRuleSchema, eventHistoryRuleSchema, conditionSchema])).max(50),
  }),
) as z.ZodType<Condition>;

export interface ConditionEnvironment {
  traits: Record<string, unknown>;
  event: Record<string, unknown> | null;
  variables: Record<string, unknown>;
  /** The profile's group: its traits and `id`; absent when it has none. */
  group?: Record<string, unknown> | null;
  /** How often the profile did `event` (within the last `withinDays`, if given). */
  countEvents(event: string, withinDays?: number): Promise<number>;
}

/** One evaluated rule, kept so the canvas and the simulator can say why a branch was taken. */
export interface RuleOutcome {
  /** The rule in English words (logs); `spec` is the rule itself, for saying it in another language. */
  rule: string;
  spec?: Rule;
  actual: unknown;
  passed: boolean;
}

/** Reads `a.b.c` out of nested objects; undefined where any step is missing. */
export function readPath(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

function asTime(value: unknown): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' || typeof value === 'number') {
    const time = new Date(value).getTime();
    return Number.isNaN(time) ? undefined : time;
  }
  return undefined;
}

function compareOrdered(actual: unknown, expected: unknown): number | undefined {
  const a = asNumber(actual);
  const b = asNumber(expected);
  if (a !== undefined && b !== undefined) return a - b;
  if (typeof actual === 'string' && typeof expected === 'string') return actual.localeCompare(expected);
  return undefined;
}

function looselyEqual(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  const a = asNumber(actual);
  const b = asNumber(expected);
  if (a !== undefined && b !== undefined && typeof actual !== typeof expected) return a === b;
  if (typeof actual === 'string' && typeof expected === 'string')
    return actual.toLowerCase() === expected.toLowerCase();
  if (typeof actual === 'boolean' || typeof expected === 'boolean') {
    const a = asText(actual);
    return a !== undefined && a === asText(expected);
  }
  return false;
}

/** String(value), or undefined for a value that cannot be one (an object whose toString is not a function). */
function asText(value: unknown): string | undefined {
  try {
    return String(value);
  } catch {
    return undefined;
  }
}

/** Applies one operator. Never throws: a value of the wrong kind simply does not match. */
export function applyOperator(op: Operator, actual: unknown, expected: unknown): boolean {
  switch (op) {
    case 'exists':
      return actual !== undefined && actual !== null && actual !== '';
    case 'notExists':
      return actual === undefined || actual === null || actual === '';
    case 'eq':
      return looselyEqual(actual, expected);
    case 'neq':
      return !looselyEqual(actual, expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const order = compareOrdered(actual, expected);
      if (order === undefined) return false;
      return op === 'gt' ? order > 0 : op === 'gte' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
    }
    case 'contains':
    case 'notContains': {
      let found = false;
      if (Array.isArray(actual)) found = actual.some((item) => looselyEqual(item, expected));
      else if (typeof actual === 'string' && typeof expected === 'string')
        found = actual.toLowerCase().includes(expected.toLowerCase());
      return op === 'contains' ? found : !found;
    }
    case 'startsWith':
      return (
        typeof actual === 'string' &&
        typeof expected === 'string' &&
        actual.toLowerCase().startsWith(expected.toLowerCase())
      );
    case 'in':
    case 'notIn': {
      const list = Array.isArray(expected)
        ? expected
        : typeof expected === 'string'
          ? expected.split(',').map((s) => s.trim())
          : [];
      const found = list.some((item) => looselyEqual(actual, item));
      return op === 'in' ? found : !found;
    }
    case 'before':
    case 'after': {
      const a = asTime(actual);
      const b = asTime(expected);
      if (a === undefined || b === undefined) return false;
      return op === 'before' ? a < b : a > b;
    }
  }
}

const germanOperators: Record<Operator, string> = {
  eq: '=',
  neq: '≠',
  gt: '>',
  gte: '≥',
  lt: '<',
  lte: '≤',
  contains: 'enthält',
  notContains: 'enthält nicht',
  startsWith: 'beginnt mit',
  in: 'ist eines von',
  notIn: 'ist keines von',
  exists: 'ist gesetzt',
  notExists: 'ist nicht gesetzt',
  before: 'vor',
  after: 'nach',
};
const germanSources: Record<AttributeRule['source'], string> = {
  trait: 'Merkmal',
  event: 'Ereignis',
  variable: 'Variable',
  group: 'Gruppe',
};

function describeRuleInGerman(rule: Rule): string {
  if (rule.kind === 'eventHistory') {
    const within = rule.withinDays
      ? ` in den letzten ${rule.withinDays === 1 ? '24 Stunden' : `${rule.withinDays} Tagen`}`
      : '';
    const times =
      rule.op === 'gte'
        ? `mindestens ${rule.count}×`
        : rule.op === 'lt'
          ? `weniger als ${rule.count}×`
          : `genau ${rule.count}×`;
    if (rule.op === 'gte' && rule.count === 1) return `${rule.event}${within}`;
    if (rule.op === 'lt' && rule.count === 1) return `kein ${rule.event}${within}`;
    return `${rule.event} ${times}${within}`;
  }
  const value = rule.op === 'exists' || rule.op === 'notExists' ? '' : ` ${JSON.stringify(rule.value)}`;
  return `${germanSources[rule.source]} ${rule.path} ${germanOperators[rule.op]}${value}`;
}

/** One rule in words ("did Order Completed in the last 2 days"; German: "Order Completed in den letzten 2 Tagen"). */
export function describeRule(rule: Rule, locale: 'en' | 'de' = 'en'): string {
  if (locale === 'de') return describeRuleInGerman(rule);
  if (rule.kind === 'eventHistory') {
    const within = rule.withinDays
      ? ` in the last ${rule.withinDays === 1 ? 'day' : `${rule.withinDays} days`}`
      : '';
    const times =
      rule.op === 'gte'
        ? `at least ${rule.count}×`
        : rule.op === 'lt'
          ? `fewer than ${rule.count}×`
          : `exactly ${rule.count}×`;
    if (rule.op === 'gte' && rule.count === 1) return `did ${rule.event}${within}`;
    if (rule.op === 'lt' && rule.count === 1) return `did not ${rule.event}${within}`;
    return `did ${rule.event} ${times}${within}`;
  }
  const value = rule.op === 'exists' || rule.op === 'notExists' ? '' : ` ${JSON.stringify(rule.value)}`;
  return `${rule.source}.${rule.path} ${rule.op}${value}`;
}

function ruleSource(
  rule: AttributeRule,
  env: Omit<ConditionEnvironment, 'countEvents'>,
): Record<string, unknown> | null | undefined {
  switch (rule.source) {
    case 'trait':
      return env.traits;
    case 'event':
      return env.event;
    case 'variable':
      return env.variables;
    case 'group':
      return env.group;
  }
}

/** What conditions and templates read as `group`: the group's traits and its id. */
export function groupFields(
  group: { id: string; traits: Readonly<Record<string, unknown>> } | null | undefined,
): Record<string, unknown> | null {
  return group ? { ...group.traits, id: group.id } : null;
}

function isCondition(rule: Rule | Condition): rule is Condition {
  return 'rules' in rule;
}

/**
 * Evaluates a condition. An empty `all` is true, an empty `any` is false.
 * `outcomes` collects every rule evaluated, with the actual value seen.
 */
export async function evaluateCondition(
  condition: Condition,
  env: ConditionEnvironment,
  outcomes: RuleOutcome[] = [],
): Promise<boolean> {
  const results: boolean[] = [];
  for (const rule of condition.rules) {
    let passed: boolean;
    if (isCondition(rule)) {
      passed = await evaluateCondition(rule, env, outcomes);
    } else if (rule.kind === 'eventHistory') {
      const count = await env.countEvents(rule.event, rule.withinDays);
      passed =
        rule.op === 'gte'
          ? count >= rule.count
          : rule.op === 'lt'
            ? count < rule.count
            : count === rule.count;
      outcomes.push({ rule: describeRule(rule), spec: rule, actual: count, passed });
    } else {
      const source = ruleSource(rule, env);
      const actual = readPath(source ?? {}, rule.path);
      passed = applyOperator(rule.op, actual, rule.value);
      outcomes.push({ rule: describeRule(rule), spec: rule, actual, passed });
    }
    results.push(passed);
    // Short-circuit like a reader would: the first false of "all", the first true of "any".
    if (condition.match === 'all' && !passed) return false;
    if (condition.match === 'any' && passed) return true;
  }
  return condition.match === 'all';
}

/** A short human summary of a condition, for node labels ("If plan eq \"pro\""). */
export function summarizeCondition(condition: Condition, locale: 'en' | 'de' = 'en'): string {
  const de = locale === 'de';
  if (condition.rules.length === 0)
    return condition.match === 'all' ? (de ? 'immer' : 'always') : de ? 'nie' : 'never';
  const parts = condition.rules.map((rule) =>
    isCondition(rule) ? `(${summarizeCondition(rule, locale)})` : describeRule(rule, locale),
  );
  return parts.join(condition.match === 'all' ? (de ? ' und ' : ' and ') : de ? ' oder ' : ' or ');
}

/** Synchronous evaluation for filters that cannot use event history (trigger filters, wait filters). */
export function matchesFilter(
  condition: Condition | undefined,
  env: Omit<ConditionEnvironment, 'countEvents'>,
): boolean {
  if (!condition) return true;
  const results = condition.rules.map((rule) => {
    if (isCondition(rule)) return matchesFilter(rule, env);
    if (rule.kind === 'eventHistory') return false;
    const source = ruleSource(rule, env);
    return applyOperator(rule.op, readPath(source ?? {}, rule.path), rule.value);
  });
  return condition.match === 'all' ? results.every(Boolean) : results.some(Boolean);
}
