// One place to start what an end-to-end test needs — a fresh database, the app as a real
// process, Chromium — and to stop all of it after the file, also when a test fails.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startAppProcess, type AppProcess } from './app-process';
import { launchBrowser } from './browser';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface E2eApp {
  readonly url: string;
  readonly app: AppProcess;
  readonly browser: Browser;
  readonly database: TestDatabase;
  /** Stops the app process and starts it again on the same database. */
  restart(): Promise<void>;
}

export function useE2eApp(env: Record<string, string> = {}): E2eApp {
  let database: TestDatabase | undefined;
  let app: AppProcess | undefined;
  let browser: Browser | undefined;
  const start = () => startAppProcess({ DATABASE_URL: database!.url, ...env });
  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    app = await start();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
    await database?.drop();
  });
  return {
    get url() {
      return app!.url;
    },
    get app() {
      return app!;
    },
    get browser() {
      return browser!;
    },
    get database() {
      return database!;
    },
    async restart() {
      await app?.stop();
      app = await start();
    },
  };
}
