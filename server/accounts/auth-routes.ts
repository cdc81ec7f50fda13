// /auth/*: status, first-user sign-up, login (rate-limited), logout, accepting an invitation.
// The session lives in an httpOnly, SameSite=Strict cookie.
import type http from 'node:http';
import { z } from 'zod';
import { RateLimiter } from '../ingest/rate-limiter';
import type { Services } from '../services';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../errors';
import {
  acceptInvite,
  login,
  logout,
  needsSetup,
  resetPassword,
  sessionDays,
  sessionUser,
  signUpFirstUser,
} from './accounts';

export const sessionCookie = 'waymark_session';

/** A cookie that cannot be decoded (a stray "%"): no session, said as 401, never a crash. */
export class MalformedCookieError extends Error {
  constructor(name: string) {
    super(`the ${name} cookie is malformed: sign in again`);
    this.name = 'MalformedCookieError';
  }
}

export function readCookie(request: http.IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key !== name) continue;
    try {
      return decodeURIComponent(value.join('='));
    } catch {
      throw new MalformedCookieError(name);
    }
  }
  return undefined;
}

/** The session token, or undefined when there is none or it cannot be read. */
export function sessionToken(request: http.IncomingMessage): string | undefined {
  try {
    return readCookie(request, sessionCookie);
  } catch (error) {
    if (error instanceof MalformedCookieError) return undefined;
    throw error;
  }
}

function setSession(response: http.ServerResponse, token: string | null, secure: boolean): void {
  const attributes = ['Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : [])];
  response.setHeader(
    'Set-Cookie',
    token
      ? `${sessionCookie}=${token}; Max-Age=${sessionDays * 86_400}; ${attributes.join('; ')}`
      : `${sessionCookie}=; Max-Age=0; ${attributes.join('; ')}`,
  );
}

function send(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

class BodyTooLargeError extends Error {}
const maxBody = 10_000;

async function readJson(request: http.IncomingMessage): Promise<unknown> {
  if (Number(request.headers['content-length'] ?? 0) > maxBody) throw new BodyTooLargeError();
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > maxBody) throw new BodyTooLargeError();
  }
  try {
    return JSON.parse(body || '{}');
  } catch {
    throw new InvalidInputError('body', 'not valid JSON');
  }
}

const credentials = z.object({
  email: z.string().trim().email('an email address such as anna@example.com'),
  password: z.string().min(1, 'the password is required').max(200),
  name: z.string().trim().max(100).optional(),
});

/**
 * Whether the browser reached us over TLS: the public address is https, or a trusted reverse proxy
 * (WAYMARK_TRUST_PROXY=on) says so in X-Forwarded-Proto. Cookies are Secure then, and HSTS is sent.
 */
export function reachedOverTls(
  request: http.IncomingMessage,
  services: Pick<Services, 'delivery'>,
  trustProxy: boolean,
): boolean {
  if (services.delivery?.publicUrl.startsWith('https://')) return true;
  const forwarded = request.headers['x-forwarded-proto'];
  return (
    trustProxy && typeof forwarded === 'string' && forwarded.split(',')[0].trim().toLowerCase() === 'https'
  );
}

export function createAuthHandler(services: Services, options: { trustProxy?: boolean } = {}) {
  // Each login costs a memory-hard hash: limited per address and email (10 tries, then one every
  // 12 s), per address whatever the email (30, then one every 6 s), and for the whole server
  // (20 at once, then 4 a second) — so neither one account nor the CPU can be worn down.
  const perAccount = new RateLimiter(5 / 60, 10);
  const perAddress = new RateLimiter(10 / 60, 30);
  const overall = new RateLimiter(4, 20, 1);

  return async function handleAuth(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    path: string,
  ): Promise<void> {
    const secure = reachedOverTls(request, services, options.trustProxy ?? false);
    try {
      if (path === '/auth/status' && request.method === 'GET') {
        const user = await sessionUser(services.db, readCookie(request, sessionCookie));
        send(response, 200, { needsSetup: await needsSetup(services.db), user });
        return;
      }
      if (request.method !== 'POST') throw new NotFoundError('endpoint', path);
      // A custom header cannot be sent cross-site without a CORS preflight, which we never allow.
      if (request.headers['x-waymark-csrf'] !== '1')
        throw new ForbiddenError('missing the x-waymark-csrf header');
      if (path === '/auth/logout') {
        await logout(services.db, readCookie(request, sessionCookie));
        setSession(response, null, secure);
        send(response, 200, { ok: true });
        return;
      }
      if (path.startsWith('/auth/reset/')) {
        // A reset link: only the new password; the link says whose.
        const body = z.object({ password: z.string().max(200) }).safeParse(await readJson(request));
        if (!body.success) throw new InvalidInputError('password', 'the new password is required');
        const reset = decodeURIComponent(path.slice('/auth/reset/'.length));
        const token = await services.db
          .transaction()
          .execute((trx) => resetPassword(trx, reset, body.data.password));
        setSession(response, token, secure);
        send(response, 200, { user: await sessionUser(services.db, token) });
        return;
      }
      const parsed = credentials.safeParse(await readJson(request));
      if (!parsed.success)
        throw new InvalidInputError(parsed.error.issues[0].path.join('.'), parsed.error.issues[0].message);
      let token: string | null;
      if (path === '/auth/signup') {
        token = await services.db
          .transaction()
          .execute((trx) => signUpFirstUser(trx, services.defaultWorkspaceId, parsed.data));
      } else if (path === '/auth/login') {
        const address = request.socket.remoteAddress ?? '';
        const wait =
          perAccount.take(`${address}:${parsed.data.email.toLowerCase()}`) ||
          perAddress.take(address) ||
          overall.take('all');
        if (wait > 0) {
          response.setHeader('Retry-After', String(wait));
          send(response, 429, { error: 'too many login attempts; wait a little and try again' });
          return;
        }
        token = await login(services.db, parsed.data.email, parsed.data.password);
        if (!token) {
          send(response, 401, { error: 'wrong email or password' });
          return;
        }
      } else if (path.startsWith('/auth/invite/')) {
        const invite = decodeURIComponent(path.slice('/auth/invite/'.length));
        token = await services.db.transaction().execute((trx) => acceptInvite(trx, invite, parsed.data));
      } else {
        throw new NotFoundError('endpoint', path);
      }
      setSession(response, token, secure);
      send(response, 200, { user: await sessionUser(services.db, token) });
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        response.setHeader('Connection', 'close');
        send(response, 413, { error: `the request body is larger than ${maxBody} bytes` });
      } else if (error instanceof InvalidInputError)
        send(response, 400, { error: error.message, field: error.field });
      else if (error instanceof ForbiddenError) send(response, 403, { error: error.message });
      else if (error instanceof NotFoundError) send(response, 404, { error: error.message });
      else if (error instanceof ConflictError) send(response, 409, { error: error.message });
      else if (error instanceof MalformedCookieError) {
        setSession(response, null, secure);
        send(response, 401, { error: error.message });
      } else {
        console.error('[auth]', (error as Error).message);
        send(response, 500, { error: 'something went wrong' });
      }
    }
  };
}
