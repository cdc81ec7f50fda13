// `npm start` on a fresh machine: embedded PostgreSQL, /healthz, clean stop with no orphan postgres.
import { execSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startAppProcess, type AppProcess } from '../support/app-process';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'waymark-start-'));
let app: AppProcess | undefined;

afterAll(async () => {
  await app?.stop('SIGKILL');
  try { execSync(`pkill -INT -f ${path.join(dataDir, 'pgdata')}`); } catch { /* none left */ }
  rmSync(dataDir, { recursive: true, force: true });
});

function postgresProcesses(): string {
  try {
    // "[/]" keeps the shell running pgrep from matching itself.
    return execSync(`pgrep -f '[/]${path.join(dataDir, 'pgdata').slice(1)}'`).toString().trim();
  } catch {
    return '';
  }
}

describe('server lifecycle', () => {
  it('starts on an embedded PostgreSQL, reports health, and SIGINT leaves no postgres behind', async () => {
    app = await startAppProcess({ DATABASE_URL: '', WAYMARK_DATA_DIR: dataDir });
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
    await expect(startAppProcess({ PORT: 'eighty', WAYMARK_ROLE: 'boss' })).rejects.toThrow(/PORT[\s\S]*WAYMARK_ROLE|WAYMARK_ROLE[\s\S]*PORT/);
  });
});
