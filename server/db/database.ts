// The kysely instance over a pg pool, and the executor type that writing functions take.
import { CompiledQuery, Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import type { DB } from './schema';

export type Database = Kysely<DB>;
/** What every writing function takes first, so callers compose writes in one transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;

// int8 counts come back as numbers; they stay far below 2^53 here.
pg.types.setTypeParser(20, (value) => Number(value));

export function createDatabase(url: string, poolSize = 10): { db: Database; pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, idleTimeoutMillis: 30_000, connectionTimeoutMillis: 10_000 });
  // A dropped connection (database restart) must not crash the process: idle ones are reported on
  // the pool, checked-out ones (a transaction between two statements) on the client itself. The
  // statement in flight fails with the error; the pool makes new connections once the server is back.
  pool.on('error', () => {});
  pool.on('connect', (client) => { client.on('error', () => {}); });
  return { db: new Kysely<DB>({ dialect: new PostgresDialect({ pool }) }), pool };
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
