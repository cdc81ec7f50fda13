// Reading profiles for the UI: search, and one profile with its events and journeys.
import { sql } from 'kysely';
import { nodeDisplayName, nodeNames } from '../../shared/node-names';
import { createRegistry, localizedPorts, type Locale, type NodeTypeRegistry } from '../../shared/node-type';
import { builtInNodeTypes } from '../../shared/nodes';
import type { JourneyGraph } from '../../shared/graph';
import type { Executor } from '../db/database';
import { containsPattern } from '../db/like-pattern';
import { NotFoundError } from '../errors';

export async function searchProfiles(
  db: Executor,
  workspaceId: string,
  input: { query?: string; limit: number; offset: number },
) {
  let query = db
    .selectFrom('profiles')
    .select(['id', 'user_id', 'traits', 'tags', 'health_score', 'last_seen_at', 'first_seen_at'])
    .where('workspace_id', '=', workspaceId);
  const term = input.query?.trim();
  if (term) {
    const like = containsPattern(term);
    query = query.where((eb) =>
      eb.or([
        eb('user_id', 'ilike', like),
        eb(sql`traits ->> 'email'`, 'ilike', like),
        eb(sql`traits::text`, 'ilike', like),
        eb(
          'id',
          'in',
          eb
            .selectFrom('profile_identities')
            .select('profile_id')
            .where('workspace_id', '=', workspaceId)
            .where('value', '=', term),
        ),
      ]),
    );
  }
  const rows = await query
    .orderBy('last_seen_at', 'desc')
    .limit(input.limit + 1)
    .offset(input.offset)
    .execute();
  return { profiles: rows.slice(0, input.limit), hasMore: rows.length > input.limit };
}

/**
 * A profile with its identities, events, metrics and journeys; each run's nodes and ports named
 * as the editor names them (in `locale`), read from the version the run is on.
 */
export async function getProfile(
  db: Executor,
  workspaceId: string,
  profileId: string,
  registry: NodeTypeRegistry = createRegistry(builtInNodeTypes),
  locale: Locale = 'en',
) {
  const profile = await db
    .selectFrom('profiles')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', profileId)
    .executeTakeFirst();
  if (!profile) throw new NotFoundError('profile', profileId);
  const [identities, events, runs, metrics] = await Promise.all([
    db
      .selectFrom('profile_identities')
      .select(['kind', 'value'])
      .where('profile_id', '=', profileId)
      .orderBy('kind')
      .execute(),
    db
      .selectFrom('events')
      .select(['id', 'type', 'name', 'properties', 'occurred_at'])
      .where('profile_id', '=', profileId)
      .orderBy('occurred_at', 'desc')
      .limit(100)
      .execute(),
    db
      .selectFrom('runs as r')
      .innerJoin('journeys as j', 'j.id', 'r.journey_id')
      .innerJoin('journey_versions as v', 'v.id', 'r.version_id')
      .select([
        'r.id',
        'r.journey_id',
        'j.name as journey_name',
        'v.version',
        'v.id as version_id',
        'v.graph',
        'r.status',
        'r.current_node',
        'r.entered_at',
        'r.ended_at',
        'r.converted_at',
        'r.error',
      ])
      .where('r.profile_id', '=', profileId)
      .orderBy('r.entered_at', 'desc')
      .limit(50)
      .execute(),
    db
      .selectFrom('profile_metrics')
      .select(['event', 'count', 'sums', 'last_at'])
      .where('profile_id', '=', profileId)
      .orderBy('last_at', 'desc')
      .execute(),
  ]);
  // Each run's path, step by step, with times and the port taken.
  const steps =
    runs.length === 0
      ? []
      : await db
          .selectFrom('steps')
          .select(['run_id', 'seq', 'node_id', 'entered_at', 'left_at', 'port', 'outcome', 'error'])
          .where(
            'run_id',
            'in',
            runs.map((run) => run.id),
          )
          .orderBy('run_id')
          .orderBy('seq')
          .execute();
  const paths = new Map<string, typeof steps>();
  for (const step of steps) paths.set(step.run_id, [...(paths.get(step.run_id) ?? []), step]);
  const namers = new Map<string, ReturnType<typeof versionNamer>>();
  const namedRuns = runs.map(({ graph, version_id: versionId, ...run }) => {
    let namer = namers.get(versionId);
    if (!namer)
      namers.set(versionId, (namer = versionNamer(graph as unknown as JourneyGraph, registry, locale)));
    const named = namer;
    return {
      ...run,
      current_node_name: run.current_node ? named.node(run.current_node) : null,
      path: (paths.get(run.id) ?? []).map((step) => ({
        ...step,
        node_name: named.node(step.node_id),
        port_label: step.port ? named.port(step.node_id, step.port) : null,
      })),
    };
  });
  return { profile, identities, events, runs: namedRuns, metrics };
}

/** Node names and port labels of one published version. */
function versionNamer(graph: JourneyGraph, registry: NodeTypeRegistry, locale: Locale) {
  const nodes = new Map((graph?.nodes ?? []).map((node) => [node.id, node]));
  const names = nodeNames(registry, graph?.nodes ?? [], locale);
  return {
    node: (nodeId: string) => names.get(nodeId) ?? nodeDisplayName(registry, undefined, locale),
    port: (nodeId: string, portId: string) => {
      const node = nodes.get(nodeId);
      const definition = node && registry.get(node.type);
      const parsed = definition?.config.safeParse(node?.config ?? {});
      if (!definition || !parsed?.success) return portId;
      return (
        localizedPorts(definition, parsed.data, locale).find((port) => port.id === portId)?.label ?? portId
      );
    },
  };
}

/** A profile by id, user id or email in this workspace, as a marketer types it. */
export async function findProfileByReference(db: Executor, workspaceId: string, reference: string) {
  const ref = reference.trim();
  const isUuid = /^[0-9a-f-]{36}$/i.test(ref);
  return db
    .selectFrom('profiles')
    .select(['id', 'user_id', 'traits'])
    .where('workspace_id', '=', workspaceId)
    .where((eb) =>
      eb.or([
        ...(isUuid ? [eb('id', '=', ref)] : []),
        eb('user_id', '=', ref),
        eb(eb.ref('traits', '->>').key('email'), '=', ref),
      ]),
    )
    .limit(1)
    .executeTakeFirst();
}
