// Runs Waymark as a real child process (as `npm start` does) and stops it, also when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface AppProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const root = path.resolve(import.meta.dirname, '../..');

/** The admin every test app process is seeded with (WAYMARK_ADMIN_EMAIL / _PASSWORD). */
export const testAdmin = { email: 'admin@waymark.test', password: 'correct horse battery staple' };

/** A logged-in HTTP client for the app's tRPC API (session cookie and CSRF header). */
export async function apiSession(url: string, credentials = testAdmin) {
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'x-waymark-csrf': '1' },
    body: JSON.stringify(credentials),
  });
  if (!login.ok) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const cookie = login.headers.get('set-cookie')!.split(';')[0];
  const unwrap = async <T>(response: Response): Promise<T> => {
    const body = (await response.json()) as { result?: { data: T }; error?: { message: string } };
    if (!body.result) throw new Error(body.error?.message ?? `no result (${response.status})`);
    return body.result.data;
  };
  return {
    cookie,
    query: async <T>(procedure: string, input?: unknown) =>
      unwrap<T>(
        await fetch(
          `${url}/trpc/${procedure}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
          { headers: { cookie } },
        ),
      ),
    mutate: async <T>(procedure: string, input: unknown) =>
      unwrap<T>(
        await fetch(`${url}/trpc/${procedure}`, {
          method: 'POST',
          headers: { cookie, 'Content-Type': 'application/json', 'x-waymark-csrf': '1' },
          body: JSON.stringify(input),
        }),
      ),
  };
}

/** `args`: the sources through tsx by default; `['scripts/start.mjs']` runs what `npm start` runs (the compiled server). */
export async function startAppProcess(
  env: Record<string, string>,
  readyPattern = /ready at (http:\/\/\S+)|worker running/,
  args = ['--import', 'tsx', 'server/main.ts'],
): Promise<AppProcess> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      WAYMARK_LOG: 'info',
      WAYMARK_ADMIN_EMAIL: testAdmin.email,
      WAYMARK_ADMIN_PASSWORD: testAdmin.password,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the app did not start within 60 s:\n${output}`)),
      60_000,
    );
    const onData = () => {
      const match = readyPattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the app exited with ${code} before it was ready:\n${output}`));
    });
  });

  return {
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGINT') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timeout = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await exited;
      clearTimeout(timeout);
      return code;
    },
  };
}
