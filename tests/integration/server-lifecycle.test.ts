// `npm start` on a fresh machine: embedded PostgreSQL, /healthz, clean stop with no orphan postgres.
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDatabase, findFreePort, startEmbeddedPostgres } from '../../server/db/embedded-postgres';
import { startAppProcess, type AppProcess } from '../support/app-process';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'waymark-start-'));
let app: AppProcess | undefined;

afterAll(async () => {
  await app?.stop('SIGKILL');
  try {
    execSync(`pkill -INT -f ${path.join(dataDir, 'pgdata')}`);
  } catch {
    /* none left */
  }
  rmSync(dataDir, { recursive: true, force: true });
});

function postgresProcesses(): string {
  try {
    // "[/]" keeps the shell running pgrep from matching itself.
    return execSync(`pgrep -f '[/]${path.join(dataDir, 'pgdata').slice(1)}'`)
      .toString()
      .trim();
  } catch {
    return '';
  }
}

describe('server lifecycle', () => {
  it('`npm start` compiles the server when its sources are newer and runs it on plain Node: client, API and health, and SIGTERM stops it', async () => {
    rmSync(path.resolve('dist/server'), { recursive: true, force: true });
    app = await startAppProcess({ DATABASE_URL: '', WAYMARK_DATA_DIR: dataDir }, undefined, [
      'scripts/start.mjs',
    ]);
    expect(app.output()).toContain('compiling the server');
    expect(app.child.spawnargs.join(' ')).not.toContain('tsx');
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const page = await fetch(`${app.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    // A page of the app is the app; what looks like an API or a file and is not one is a 404.
    expect((await fetch(`${app.url}/journeys`)).status).toBe(200);
    expect((await fetch(`${app.url}/reset/a-reset-token`)).status).toBe(200); // where a password reset link leads
    for (const probe of ['/api/users', '/wp-login.php', '/.env', '/v2/track', '/hooks/x', '/nothing.json']) {
      expect({ probe, status: (await fetch(`${app.url}${probe}`)).status }).toEqual({ probe, status: 404 });
    }
    expect(await (await fetch(`${app.url}/livez`)).json()).toEqual({ status: 'alive' });
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'up', queue: 'up' });
    const metrics = await (await fetch(`${app.url}/metrics`)).text();
    for (const name of [
      'waymark_runs',
      'waymark_queue_jobs',
      'waymark_outbox_messages',
      'waymark_delivery_providers_paused',
      'waymark_http_request_duration_seconds_bucket{',
      'waymark_ingest_messages_total',
      'waymark_process_cpu_seconds_total',
    ]) {
      expect(metrics, name).toContain(name);
    }
    expect(metrics).toContain('route="/readyz",status="200"');
    // One line per request: method, route, status, time.
    expect(app.output()).toMatch(/\[http\] GET \/readyz 200 \d+\.\d ms/);
    expect(await app.stop('SIGTERM')).toBe(0);
    expect(app.output()).toContain('[waymark] stopped');
    expect(postgresProcesses()).toBe('');
  });

  it('starts on an embedded PostgreSQL, reports health, and SIGINT leaves no postgres behind', async () => {
    const pgPort = await findFreePort(57_100);
    app = await startAppProcess({
      DATABASE_URL: '',
      WAYMARK_DATA_DIR: dataDir,
      WAYMARK_PG_PORT: String(pgPort),
    });
    expect(app.output()).toContain(`embedded PostgreSQL on port ${pgPort}`); // WAYMARK_PG_PORT
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', database: 'up', queue: 'up' });
    expect(postgresProcesses()).not.toBe('');

    const code = await app.stop('SIGINT');
    expect(code).toBe(0);
    expect(app.output()).toContain('[waymark] stopped');
    expect(postgresProcesses()).toBe('');
  });

  it('a bad environment stops start-up and names every bad variable', async () => {
    await expect(startAppProcess({ PORT: 'eighty', WAYMARK_ROLE: 'boss' })).rejects.toThrow(
      /PORT[\s\S]*WAYMARK_ROLE|WAYMARK_ROLE[\s\S]*PORT/,
    );
  });

  it('a process started while PostgreSQL is down waits for it, says so, and starts once it answers', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'waymark-wait-'));
    const pgData = path.join(folder, 'pgdata');
    let postgres = await startEmbeddedPostgres({ dataDir: pgData, fast: true });
    const { port } = postgres;
    const databaseUrl = await ensureDatabase(postgres.url, 'waymark');
    await postgres.stop();
    try {
      const starting = startAppProcess({ DATABASE_URL: databaseUrl, WAYMARK_ROLE: 'worker' });
      await new Promise((resolve) => setTimeout(resolve, 3000));
      postgres = await startEmbeddedPostgres({ dataDir: pgData, port, fast: true });
      const worker = await starting;
      expect(worker.output()).toMatch(/waiting for PostgreSQL/);
      expect(worker.output()).toContain('PostgreSQL answers');
      // And stops at once on SIGTERM, though its loops were busy starting (it slept a minute before).
      const stopping = Date.now();
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(Date.now() - stopping).toBeLessThan(10_000);
    } finally {
      await postgres.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('an embedded PostgreSQL that cannot start says why: its last log lines and where its log is', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'waymark-broken-'));
    mkdirSync(path.join(folder, 'pgdata'));
    writeFileSync(path.join(folder, 'pgdata', 'PG_VERSION'), '9\n'); // a data folder of a PostgreSQL long gone
    try {
      const failure = await startAppProcess({ DATABASE_URL: '', WAYMARK_DATA_DIR: folder }).then(
        () => 'started',
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/the app exited with 1/);
      expect(failure).toMatch(/the embedded PostgreSQL did not start/);
      expect(failure).toMatch(/\n {2}\| .+/); // PostgreSQL's own words
      expect(failure).toContain(path.join(folder, 'postgres.log'));
      expect(failure).not.toContain('undefined');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('logs JSON lines when asked (as in production): one object a line, the request lines among them', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'waymark-json-'));
    const json = await startAppProcess({
      DATABASE_URL: '',
      WAYMARK_DATA_DIR: folder,
      WAYMARK_LOG_FORMAT: 'json',
    });
    try {
      await fetch(`${json.url}/readyz`);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const lines = json
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'));
      const entries = lines.map((line) => JSON.parse(line) as { level: number; time: string; msg: string });
      expect(entries.find((entry) => entry.msg.includes('ready at'))).toMatchObject({
        level: 30,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(entries.some((entry) => /^\[http\] GET \/readyz 200 /.test(entry.msg))).toBe(true);
      expect(
        json
          .output()
          .split('\n')
          .filter((line) => line.startsWith('[waymark]')),
      ).toEqual([]); // nothing outside JSON
    } finally {
      await json.stop();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
