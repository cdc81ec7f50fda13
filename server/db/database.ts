// The kysely instance over a pg pool, and the executor type that writing functions take.
import { createHash } from 'node:crypto';
import { CompiledQuery, Kysely, PostgresDialect, sql, type RawBuilder, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema';

export type Database = Kysely<DB>;
/** What every writing function takes first, so callers compose writes in one transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;

// int8 counts come back as numbers; they stay far below 2^53 here.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * `preparedStatements: false` is for a connection pooler in transaction mode that cannot keep
 * named statements (PgBouncer before 1.21): every statement is then parsed and planned per call.
 */
export function createDatabase(
  url: string,
  poolSize = 10,
  options: { preparedStatements?: boolean } = {},
): { db: Database; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
  });
  // A dropped connection (database restart) must not crash the process: idle ones are reported on
  // the pool, checked-out ones (a transaction between two statements) on the client itself. The
  // statement in flight fails with the error; the pool makes new connections once the server is back.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    if (options.preparedStatements !== false) reusePlans(client);
  });
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), pool };
}

const statementNames = new Map<string, string | null>();
const seenOnce = new Set<string>();
/** Distinct statements kept prepared on each connection, at most. */
const maxPrepared = 300;
let prepared = 0;

/**
 * Statements the application sends again and again are prepared once per connection (a named
 * statement) instead of parsed and planned on every call: planning was a third of the database's
 * time under load. A statement is prepared from its second use on; statements whose text varies
 * (an IN list's length) stop being added at `maxPrepared`, so each connection's plan cache stays
 * small. Statements that return `*` are never prepared: a column added by a newer release's
 * migration would change their result type, which a prepared statement refuses.
 */
function reusePlans(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) => {
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = statementName(config);
      if (name) return query({ name, text: config, values }, callback);
    }
    return query(config, values, callback);
  };
}

function statementName(text: string): string | null {
  const known = statementNames.get(text);
  if (known !== undefined) return known;
  if (!seenOnce.has(text)) {
    if (seenOnce.size >= maxPrepared * 20) seenOnce.clear();
    seenOnce.add(text);
    return null;
  }
  seenOnce.delete(text);
  const everyColumn = text.replace(/count\(\*\)/gi, '').includes('*');
  const name =
    prepared < maxPrepared && !everyColumn
      ? `wm_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`
      : null;
  if (name) prepared++;
  if (statementNames.size < maxPrepared * 20) statementNames.set(text, name);
  return name;
}

/**
 * `= ANY(array)` for a list of ids: one array parameter however long the list, where `IN ($1, …, $n)`
 * sends (and kysely compiles) a parameter per value and gives each length its own statement text —
 * and prepared statement. Use as `.where('id', '=', anyOf(ids))`.
 */
export function anyOf(values: readonly string[], type: 'uuid' | 'text' = 'uuid'): RawBuilder<string> {
  return sql<string>`ANY(${values}::${sql.raw(type)}[])`;
}

/** Adapts a kysely executor to the `db` option of pg-boss, so jobs are sent inside our transaction. */
export function queueExecutor(executor: Executor) {
  return {
    executeSql: async (text: string, values: unknown[]) => {
      const result = await executor.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: result.rows as any[] };
    },
  };
}
