// What a message of a journey can say: the traits this workspace's profiles have, the properties
// seen on the journey's trigger events lately (with the newest as a sample), and the journey
// variables its nodes set — for the variable picker and the preview of Liquid fields.
import { sql } from 'kysely';
import type { JourneyGraph } from '../../shared/graph';
import type { NodeTypeRegistry } from '../../shared/node-type';
import type { Executor } from '../db/database';
import { NotFoundError } from '../errors';

export interface TemplateVariables {
  traits: string[];
  /** The traits this workspace's groups (accounts, companies) have, read as `group.name`. */
  groupTraits: string[];
  /** The events that start the journey, the properties seen on them, and the newest one's properties. */
  event: { names: string[]; properties: string[]; sample: Record<string, unknown> | null };
  variables: string[];
}

/** Keys of an object, and one level into objects inside it ("cart.total"). */
function keysOf(value: Record<string, unknown>): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? [key, ...Object.keys(inner).map((child) => `${key}.${child}`)]
      : [key],
  );
}

export async function templateVariables(
  db: Executor,
  registry: NodeTypeRegistry,
  workspaceId: string,
  journeyId: string,
): Promise<TemplateVariables> {
  const journey = await db
    .selectFrom('journeys')
    .select('draft')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId)
    .executeTakeFirst();
  if (!journey) throw new NotFoundError('journey', journeyId);
  const graph = journey.draft as unknown as JourneyGraph;
  const names = new Set<string>();
  const variables = new Set<string>();
  for (const node of graph?.nodes ?? []) {
    const definition = registry.get(node.type);
    const parsed = definition?.config.safeParse(node.config ?? {});
    if (!definition || !parsed?.success) continue;
    const name = definition.trigger?.eventName?.(parsed.data);
    if (name) names.add(name);
    for (const variable of definition.variables?.(parsed.data, node.id) ?? []) variables.add(variable);
  }
  // The traits most profiles have, from the recently seen ones (an index read, not a scan).
  const traits = await sql<{ key: string }>`
    SELECT key FROM (SELECT traits FROM profiles WHERE workspace_id = ${workspaceId} ORDER BY last_seen_at DESC NULLS LAST LIMIT 500) recent,
      LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(traits) = 'object' THEN traits ELSE '{}'::jsonb END) AS key
    GROUP BY key ORDER BY count(*) DESC, key LIMIT 60`.execute(db);
  const groupTraits = await sql<{ key: string }>`
    SELECT key FROM (SELECT traits FROM groups WHERE workspace_id = ${workspaceId} ORDER BY updated_at DESC LIMIT 200) recent,
      LATERAL jsonb_object_keys(CASE WHEN jsonb_typeof(traits) = 'object' THEN traits ELSE '{}'::jsonb END) AS key
    GROUP BY key ORDER BY count(*) DESC, key LIMIT 40`.execute(db);
  const events =
    names.size === 0
      ? []
      : await db
          .selectFrom('events')
          .select('properties')
          .where('workspace_id', '=', workspaceId)
          .where('name', 'in', [...names])
          .orderBy('occurred_at', 'desc')
          .limit(50)
          .execute();
  const properties = new Set<string>();
  for (const row of events)
    if (row.properties && typeof row.properties === 'object')
      for (const key of keysOf(row.properties as Record<string, unknown>)) properties.add(key);
  return {
    traits: traits.rows.map((row) => row.key),
    groupTraits: groupTraits.rows.length > 0 ? ['id', ...groupTraits.rows.map((row) => row.key)] : [],
    event: {
      names: [...names],
      properties: [...properties].sort().slice(0, 60),
      sample: (events[0]?.properties as Record<string, unknown> | undefined) ?? null,
    },
    variables: [...variables].sort(),
  };
}

/**
 * The variables a template uses that render empty for this data: `{{ profile.firstName }}` with no
 * firstName, unless the expression gives a default (`| default: "there"`).
 */
export function emptyVariables(
  templates: readonly unknown[],
  data: { profile: Record<string, unknown>; event: Record<string, unknown>; vars: Record<string, unknown> },
): string[] {
  const empty = new Set<string>();
  const read = (root: Record<string, unknown>, path: string) =>
    path
      .split('.')
      .reduce<unknown>(
        (value, key) =>
          value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
        root,
      );
  for (const template of templates) {
    if (typeof template !== 'string') continue;
    for (const match of template.matchAll(/\{\{-?\s*(profile|event|vars)\.([\w.-]+)([^}]*)\}\}/g)) {
      const [, root, path, rest] = match;
      if (/\|\s*default\s*:/.test(rest)) continue;
      const value = read(root === 'profile' ? data.profile : root === 'event' ? data.event : data.vars, path);
      if (value === undefined || value === null || value === '') empty.add(`${root}.${path}`);
    }
  }
  return [...empty];
}
