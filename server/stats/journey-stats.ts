// Per-node stats of a journey from the rollup: entered, waiting now, passed per port, exited,
// failed, conversions after the node and their rate; per branch and variant with a significance
// test; message outcomes on touchpoints; entries over time. Never a scan of the step log.
import { sql } from 'kysely';
import type { JourneyGraph } from '../../shared/graph';
import { twoProportionTest, type ProportionTest } from '../../shared/significance';
import type { Executor } from '../db/database';
import { containsPattern } from '../db/like-pattern';
import { NotFoundError } from '../errors';

export interface StatsRange {
  /** A version id, or all versions. */
  versionId?: string;
  from?: Date;
  to?: Date;
}

export interface PortStats {
  passed: number;
  converted: number;
  conversionRate: number;
  test?: ProportionTest;
}
export interface NodeStats {
  entered: number;
  waiting: number;
  exited: number;
  failed: number;
  converted: number;
  conversionRate: number;
  ports: Record<string, PortStats>;
  messages?: Record<string, number>;
  /** Touchpoints: conversions where this was the first / the last touchpoint of the run. */
  firstTouch?: number;
  lastTouch?: number;
}

export interface JourneyStats {
  versions: Array<{ id: string; version: number }>;
  versionId: string | null;
  nodes: Record<string, NodeStats>;
  entries: number;
  converted: number;
  conversionRate: number;
  entriesByDay: Array<{ day: string; entries: number }>;
}

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : 0);

export async function getJourneyStats(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  range: StatsRange = {},
): Promise<JourneyStats> {
  const journey = await db
    .selectFrom('journeys')
    .select(['id', 'live_version_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', journeyId)
    .executeTakeFirst();
  if (!journey) throw new NotFoundError('journey', journeyId);
  // Test versions (test mode) are kept out of stats.
  const versions = await db
    .selectFrom('journey_versions')
    .select(['id', 'version', 'graph'])
    .where('journey_id', '=', journeyId)
    .where('is_test', '=', false)
    .orderBy('version', 'desc')
    .execute();
  const versionIds = range.versionId
    ? versions.filter((v) => v.id === range.versionId).map((v) => v.id)
    : versions.map((v) => v.id);
  if (range.versionId && versionIds.length === 0) throw new NotFoundError('version', range.versionId);
  const empty: JourneyStats = {
    versions: versions.map(({ id, version }) => ({ id, version })),
    versionId: range.versionId ?? null,
    nodes: {},
    entries: 0,
    converted: 0,
    conversionRate: 0,
    entriesByDay: [],
  };
  if (versionIds.length === 0) return empty;

  let rollup = db
    .selectFrom('node_stats')
    .select([
      'node_id',
      'port',
      sql<number>`sum(entered)`.as('entered'),
      sql<number>`sum(passed)`.as('passed'),
      sql<number>`sum(exited)`.as('exited'),
      sql<number>`sum(failed)`.as('failed'),
      sql<number>`sum(converted)`.as('converted'),
    ])
    .where('version_id', 'in', versionIds);
  if (range.from) rollup = rollup.where('hour', '>=', range.from);
  if (range.to) rollup = rollup.where('hour', '<', range.to);
  const [rows, waiting, messages] = await Promise.all([
    rollup.groupBy(['node_id', 'port']).execute(),
    db
      .selectFrom('runs')
      .select(['current_node', sql<number>`count(*)`.as('n')])
      .where('version_id', 'in', versionIds)
      .where('status', 'in', ['active', 'waiting'])
      .groupBy('current_node')
      .execute(),
    db
      .selectFrom('messages')
      .select([
        'node_id',
        'status',
        sql<number>`count(*)`.as('n'),
        sql<number>`count(unsubscribed_at)`.as('unsubscribed'),
      ])
      .where('journey_id', '=', journeyId)
      .where('is_test', '=', false)
      .$if(Boolean(range.from), (q) => q.where('created_at', '>=', range.from!))
      .$if(Boolean(range.to), (q) => q.where('created_at', '<', range.to!))
      .groupBy(['node_id', 'status'])
      .execute(),
  ]);

  const nodes: Record<string, NodeStats> = {};
  const node = (id: string) =>
    (nodes[id] ??= {
      entered: 0,
      waiting: 0,
      exited: 0,
      failed: 0,
      converted: 0,
      conversionRate: 0,
      ports: {},
    });
  for (const row of rows) {
    const stats = node(row.node_id);
    if (row.port === '#first-touch' || row.port === '#last-touch') {
      stats[row.port === '#first-touch' ? 'firstTouch' : 'lastTouch'] =
        (stats[row.port === '#first-touch' ? 'firstTouch' : 'lastTouch'] ?? 0) + Number(row.converted);
      continue;
    }
    stats.entered += Number(row.entered);
    stats.exited += Number(row.exited);
    stats.failed += Number(row.failed);
    stats.converted += Number(row.converted);
    if (row.port !== '' && (Number(row.passed) > 0 || Number(row.converted) > 0 || Number(row.exited) > 0)) {
      const port = (stats.ports[row.port] ??= { passed: 0, converted: 0, conversionRate: 0 });
      port.passed += Number(row.passed) + Number(row.exited);
      port.converted += Number(row.converted);
    }
  }
  for (const row of waiting) node(row.current_node).waiting = Number(row.n);
  for (const row of messages) {
    if (!row.node_id) continue;
    const counts = (node(row.node_id).messages ??= {});
    counts[row.status] = Number(row.n);
    if (Number(row.unsubscribed) > 0)
      counts.unsubscribed = (counts.unsubscribed ?? 0) + Number(row.unsubscribed);
  }

  // Branches and variants: each port's rate, tested against the first port (the control).
  const graphs = versions.filter((v) => versionIds.includes(v.id)).map((v) => v.graph as JourneyGraph);
  const splitNodes = new Set(
    graphs.flatMap((graph) => graph.nodes.filter((n) => n.type.startsWith('condition.')).map((n) => n.id)),
  );
  for (const [id, stats] of Object.entries(nodes)) {
    stats.conversionRate = rate(stats.converted, stats.entered);
    const ports = Object.entries(stats.ports);
    for (const [, port] of ports) port.conversionRate = rate(port.converted, port.passed);
    if (splitNodes.has(id) && ports.length > 1) {
      const [, control] = ports[0];
      for (const [, port] of ports.slice(1))
        port.test = twoProportionTest(control.converted, control.passed, port.converted, port.passed);
    }
  }

  const triggerIds = new Set(
    graphs.flatMap((graph) => graph.nodes.filter((n) => n.type.startsWith('trigger.')).map((n) => n.id)),
  );
  let byDay = db
    .selectFrom('node_stats')
    .select([
      sql<string>`to_char(date_trunc('day', hour), 'YYYY-MM-DD')`.as('day'),
      sql<number>`sum(entered)`.as('entries'),
    ])
    .where('version_id', 'in', versionIds)
    .where('port', '=', '')
    .where('node_id', 'in', triggerIds.size ? [...triggerIds] : ['']);
  if (range.from) byDay = byDay.where('hour', '>=', range.from);
  if (range.to) byDay = byDay.where('hour', '<', range.to);
  const days = await byDay
    .groupBy(sql`date_trunc('day', hour)`)
    .orderBy(sql`date_trunc('day', hour)`)
    .execute();

  // Every run enters by a trigger and every conversion counts on it: the journey's totals are its triggers' (from the rollup, not a count of runs).
  const entries = [...triggerIds].reduce((sum, id) => sum + (nodes[id]?.entered ?? 0), 0);
  const converted = [...triggerIds].reduce((sum, id) => sum + (nodes[id]?.converted ?? 0), 0);
  return {
    ...empty,
    nodes,
    entries,
    converted,
    conversionRate: rate(converted, entries),
    entriesByDay: days.map((d) => ({ day: d.day, entries: Number(d.entries) })),
  };
}

/** The stats as CSV, one row per node and port. */
export function statsToCsv(stats: JourneyStats, graph: JourneyGraph | null): string {
  const labels = new Map((graph?.nodes ?? []).map((n) => [n.id, n.label ?? n.type]));
  // A cell that starts with = + - @ (or a tab or carriage return) is a formula to a spreadsheet: a
  // leading apostrophe keeps it text (node ids and labels come from journey authors).
  const quote = (value: string | number) =>
    typeof value === 'number'
      ? String(value)
      : `"${(/^[=+\-@\t\r]/.test(value) ? `'${value}` : value).replace(/"/g, '""')}"`;
  const lines = [
    [
      'node',
      'label',
      'port',
      'entered',
      'waiting',
      'passed',
      'exited',
      'failed',
      'converted',
      'conversion_rate',
    ].join(','),
  ];
  for (const [id, node] of Object.entries(stats.nodes)) {
    lines.push(
      [
        quote(id),
        quote(labels.get(id) ?? ''),
        quote(''),
        node.entered,
        node.waiting,
        '',
        node.exited,
        node.failed,
        node.converted,
        node.conversionRate.toFixed(4),
      ].join(','),
    );
    for (const [port, stats2] of Object.entries(node.ports)) {
      lines.push(
        [
          quote(id),
          quote(labels.get(id) ?? ''),
          quote(port),
          '',
          '',
          stats2.passed,
          '',
          '',
          stats2.converted,
          stats2.conversionRate.toFixed(4),
        ].join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The query behind getNodeCustomers (exported for the test of its plan). */
export function nodeCustomersQuery(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  input: { nodeId: string; versionId?: string; search?: string; limit: number; offset: number },
) {
  let query = db
    .selectFrom('steps as s')
    .innerJoin('runs as r', 'r.id', 's.run_id')
    .innerJoin('profiles as p', 'p.id', 'r.profile_id')
    .select([
      'p.id as profile_id',
      'p.user_id',
      sql<string | null>`p.traits ->> 'email'`.as('email'),
      'r.id as run_id',
      'r.status',
      's.entered_at',
      's.left_at',
      's.port',
      's.outcome',
      'r.converted_at',
    ])
    .where('s.journey_id', '=', journeyId)
    .where('s.workspace_id', '=', workspaceId)
    .where('s.node_id', '=', input.nodeId);
  if (input.versionId) query = query.where('s.version_id', '=', input.versionId);
  const term = input.search?.trim();
  if (term) {
    const like = containsPattern(term);
    query = query.where((eb) =>
      eb.or([eb('p.user_id', 'ilike', like), eb(sql`p.traits ->> 'email'`, 'ilike', like)]),
    );
  }
  return query
    .orderBy('s.entered_at', 'desc')
    .limit(input.limit + 1)
    .offset(input.offset);
}

/** The customers at (waiting) or through (passed) a node, newest first, searchable. */
export async function getNodeCustomers(
  db: Executor,
  workspaceId: string,
  journeyId: string,
  input: { nodeId: string; versionId?: string; search?: string; limit: number; offset: number },
) {
  const rows = await nodeCustomersQuery(db, workspaceId, journeyId, input).execute();
  return { customers: rows.slice(0, input.limit), hasMore: rows.length > input.limit };
}
