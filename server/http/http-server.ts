// The one HTTP server: the built client at /, tRPC at /trpc, /healthz (and ingest, tracking later).
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { appRouter } from '../api/app-router';
import type { Services } from '../services';
import { checkHealth } from './health';
import { httpDuration, measureDatabase, registry, routeOf } from '../metrics';
import { createIngestHandler } from '../ingest/ingest-routes';
import { createAuthHandler, reachedOverTls, sessionToken } from '../accounts/auth-routes';
import { sessionUser } from '../accounts/accounts';
import { createTrackingHandler } from '../channels/tracking-routes';
import { loadServerSecret } from '../channels/signing';

export interface HttpServerOptions {
  port: number;
  host: string;
  clientDir?: string;
  /** Ingest requests per second and write key (WAYMARK_INGEST_RATE); bursts of twice that pass. */
  ingestRequestsPerSecond?: number;
  /** Trust X-Forwarded-Proto from a reverse proxy in front (WAYMARK_TRUST_PROXY). */
  trustProxy?: boolean;
  /** Where one line per request goes (method, route, status, time; no bodies, ids or queries). */
  log?: (line: string) => void;
  /** Where internal errors of API calls go, with their stacks. */
  logError?: (line: string, error?: unknown) => void;
}

const securityHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'",
};

export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
  });
  response.end(JSON.stringify(body));
}

/**
 * Where the built client is: dist/client under the working folder, else beside the code — the
 * compiled server in dist/server, or the sources in server/http when run through tsx.
 */
/** A path no page of the app has: an API, a file, a scanner's probe. */
function apiLooking(pathname: string): boolean {
  return (
    /^\/(api|hooks|graphql|admin|wp-[a-z]+|\.well-known|\.env|\.git|v\d+)(\/|$)/i.test(pathname) ||
    /\.[a-z0-9]{1,8}$/i.test(pathname)
  );
}

function builtClientDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.resolve('dist/client'),
    path.resolve(here, '../client'),
    path.resolve(here, '../../dist/client'),
  ];
  return candidates.find((candidate) => existsSync(path.join(candidate, 'index.html'))) ?? candidates[0];
}

export async function startHttpServer(
  services: Services,
  options: HttpServerOptions,
): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: async ({ req }) => {
      const token = sessionToken(req);
      const user = await sessionUser(services.db, token);
      return {
        services,
        workspaceId: user?.workspaceId ?? '',
        user,
        csrfOk: req.headers['x-waymark-csrf'] === '1',
        sessionToken: token,
        locale: req.headers['x-waymark-locale'] === 'de' ? ('de' as const) : ('en' as const),
      };
    },
    maxBodySize: 5 * 1024 * 1024,
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR')
        (options.logError ?? ((line, cause) => console.error(line, cause)))(
          `[trpc] ${path ?? '?'} failed: ${error.message}`,
          error.cause ?? error,
        );
    },
  });
  const ingest = createIngestHandler(services, { requestsPerSecond: options.ingestRequestsPerSecond });
  const auth = createAuthHandler(services, { trustProxy: options.trustProxy });
  const tracking = createTrackingHandler(services, () => loadServerSecret(services.db, services.secret));
  const clientDir = options.clientDir ?? builtClientDir();
  const hasClient = existsSync(path.join(clientDir, 'index.html'));
  const assets = hasClient ? sirv(clientDir, { single: true, etag: true, gzip: false }) : null;
  // Files only: paths that look like an API or a file get a 404, not the app page.
  const files = hasClient ? sirv(clientDir, { single: false, etag: true, gzip: false }) : null;
  measureDatabase(services.db);
  let draining = false;

  const server = http.createServer((request, response) => {
    const started = performance.now();
    const pathname = (request.url ?? '/').split('?')[0];
    response.once('finish', () => {
      const milliseconds = performance.now() - started;
      const route = routeOf(pathname);
      httpDuration.observe(
        { method: request.method ?? '', route, status: String(response.statusCode) },
        milliseconds / 1000,
      );
      // One line per request: method, route (never ids or query strings), status, time.
      options.log?.(`[http] ${request.method} ${route} ${response.statusCode} ${milliseconds.toFixed(1)} ms`);
    });
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    if (reachedOverTls(request, services, options.trustProxy ?? false))
      response.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    const url = request.url ?? '/';
    if (pathname === '/livez') {
      sendJson(response, 200, { status: 'alive' });
      return;
    }
    if (pathname === '/readyz') {
      // Not ready while draining or without PostgreSQL (or the queue): a balancer sends no traffic.
      if (draining) {
        sendJson(response, 503, { status: 'draining' });
        return;
      }
      checkHealth(services).then(
        (health) =>
          sendJson(response, health.status === 'unavailable' ? 503 : 200, {
            ...health,
            status: health.status === 'unavailable' ? 'unavailable' : 'ready',
          }),
        (error) => sendJson(response, 503, { status: 'unavailable', error: String(error) }),
      );
      return;
    }
    if (pathname === '/metrics') {
      registry.metrics().then(
        (text) => {
          response.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
          response.end(text);
        },
        (error) => sendJson(response, 500, { error: String(error) }),
      );
      return;
    }
    if (url === '/healthz' || url.startsWith('/healthz?')) {
      checkHealth(services).then(
        (health) => sendJson(response, health.status === 'unavailable' ? 503 : 200, health),
        (error) => sendJson(response, 503, { status: 'unavailable', error: String(error) }),
      );
      return;
    }
    if (url.startsWith('/v1/')) {
      void ingest(request, response, url.split('?')[0]);
      return;
    }
    if (url.startsWith('/u/') || url.startsWith('/p/') || url.startsWith('/t/')) {
      tracking(request, response, url.split('?')[0]).catch((error) => {
        console.error('[tracking]', (error as Error).message);
        if (!response.headersSent) sendJson(response, 500, { error: 'could not handle the link' });
      });
      return;
    }
    if (url.startsWith('/auth/')) {
      void auth(request, response, url.split('?')[0]);
      return;
    }
    if (url.startsWith('/trpc/')) {
      trpc(request, response);
      return;
    }
    if (assets && files) {
      (apiLooking(pathname) ? files : assets)(request, response, () =>
        sendJson(response, 404, { error: 'not found' }),
      );
      return;
    }
    sendJson(response, 404, { error: 'the client is not built: run `npm run build`' });
  });
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const shownHost = options.host === '0.0.0.0' || options.host === '127.0.0.1' ? 'localhost' : options.host;
  return {
    server,
    url: `http://${shownHost}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        // Draining: /readyz answers 503 on the connections still open; no new ones are taken.
        draining = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
}
