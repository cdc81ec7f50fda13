// Starts one embedded PostgreSQL for the whole test run (unless DATABASE_URL is set);
// each test file then makes its own database on it.
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type RunningPostgres } from '../../server/db/embedded-postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseServerUrl: string;
  }
}

let postgres: RunningPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.DATABASE_URL;
  if (!url) {
    postgres = await startEmbeddedPostgres({
      dataDir: '.waymark/test-pgdata',
      preferredPort: 55_430,
      fast: true,
    });
    url = postgres.url;
  }
  project.provide('databaseServerUrl', url);
}

export async function teardown(): Promise<void> {
  await postgres?.stop();
}
