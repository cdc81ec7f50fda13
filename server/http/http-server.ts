// The one HTTP server: the built client at /, tRPC at /trpc, /healthz (and ingest, tracking later).
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sirv from 'sirv';
import { appRouter } from '../api/app-router';
import type { Services } from '../services';
import { checkHealth } from './health';
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
}

const securityHeaders: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'",
};

export function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

export async function startHttpServer(services: Services, options: HttpServerOptions): Promise<{ server: http.Server; url: string; close(): Promise<void> }> {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: async ({ req }) => {
      const user = await sessionUser(services.db, sessionToken(req));
      return { services, workspaceId: user?.workspaceId ?? '', user, csrfOk: req.headers['x-waymark-csrf'] === '1' };
    },
    maxBodySize: 5 * 1024 * 1024,
  });
  const ingest = createIngestHandler(services, { requestsPerSecond: options.ingestRequestsPerSecond });
  const auth = createAuthHandler(services, { trustProxy: options.trustProxy });
  const tracking = createTrackingHandler(services, () => loadServerSecret(services.db, services.secret));
  const clientDir = options.clientDir ?? path.resolve('dist/client');
  const hasClient = existsSync(path.join(clientDir, 'index.html'));
  const assets = hasClient ? sirv(clientDir, { single: true, etag: true, gzip: false }) : null;

  const server = http.createServer((request, response) => {
    for (const [name, value] of Object.entries(securityHeaders)) response.setHeader(name, value);
    if (reachedOverTls(request, services, options.trustProxy ?? false)) response.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    const url = request.url ?? '/';
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
    if (assets) {
      assets(request, response, () => sendJson(response, 404, { error: 'not found' }));
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
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 2000).unref();
    }),
  };
}
