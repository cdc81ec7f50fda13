// The database layer: repeated statements are prepared once per connection, and stay correct
// when their IN lists change length, when a transaction fails, and when a table changes under them.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase({ poolSize: 1 }); });
afterAll(async () => { await database.drop(); });

describe('prepared statements', () => {
  it('prepares a statement sent again, and answers it the same', async () => {
    const { db } = database;
    await sql`CREATE TABLE plan_probe (id int PRIMARY KEY, label text)`.execute(db);
    await sql`INSERT INTO plan_probe SELECT n, 'row ' || n FROM generate_series(1, 50) n`.execute(db);
    const answers: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const rows = await db.selectFrom('plan_probe' as never).select('label' as never).where('id' as never, '=', (10 + i) as never).execute();
      answers.push(rows.map((row) => (row as { label: string }).label));
    }
    expect(answers).toEqual([['row 10'], ['row 11'], ['row 12'], ['row 13']]);
    const prepared = await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(db);
    expect(prepared.rows.some((row) => row.statement.includes('plan_probe') && row.statement.includes('"id" = $1'))).toBe(true);
  });

  it('gives IN lists of every length their own statement', async () => {
    const { db } = database;
    for (const size of [1, 3, 1, 7, 3, 20, 7]) {
      const ids = Array.from({ length: size }, (_, i) => i + 1);
      const rows = await db.selectFrom('plan_probe' as never).select('id' as never).where('id' as never, 'in', ids as never).orderBy('id' as never).execute();
      expect(rows.map((row) => (row as { id: number }).id)).toEqual(ids);
    }
  });

  it('works after a failed transaction, and after the table it reads changes', async () => {
    const { db } = database;
    const read = () => db.selectFrom('plan_probe' as never).selectAll().where('id' as never, '=', 5 as never).executeTakeFirst();
    await read();
    await read();
    await expect(db.transaction().execute(async (trx) => {
      await sql`INSERT INTO plan_probe VALUES (${5}, ${'duplicate'})`.execute(trx);
    })).rejects.toThrow(/duplicate key/);
    expect(await read()).toEqual({ id: 5, label: 'row 5' });
    await sql`ALTER TABLE plan_probe ALTER COLUMN label SET DEFAULT 'none'`.execute(db);
    await sql`CREATE INDEX plan_probe_label ON plan_probe (label)`.execute(db);
    expect(await read()).toEqual({ id: 5, label: 'row 5' });
    // A newer release adds a column while this process runs: reading every column still works.
    await sql`ALTER TABLE plan_probe ADD COLUMN added int NOT NULL DEFAULT 1`.execute(db);
    expect(await read()).toEqual({ id: 5, label: 'row 5', added: 1 });
  });
});
