// A fresh database with the HTTP server on it (no client build): for tests that call /v1, /auth,
// /trpc or links over HTTP. Stopped after the file, also when a test fails.
import { afterAll, beforeAll } from 'vitest';
import { startHttpServer } from '../../server/http/http-server';
import { createTestServices, type TestServices } from './test-services';

export interface TestServer {
  readonly services: TestServices;
  readonly url: string;
}

export function useTestServer(): TestServer {
  let services: TestServices | undefined;
  let server: Awaited<ReturnType<typeof startHttpServer>> | undefined;
  beforeAll(async () => {
    services = await createTestServices();
    server = await startHttpServer(services, { port: 0, host: '127.0.0.1', clientDir: '/nonexistent' });
  });
  afterAll(async () => {
    await server?.close();
    await services?.close();
  });
  return {
    get services() {
      return services!;
    },
    get url() {
      return server!.url;
    },
  };
}
