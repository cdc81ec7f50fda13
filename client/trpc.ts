// The typed tRPC client and its TanStack Query bindings.
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import type { QueryClient } from '@tanstack/react-query';
import { createTRPCContext, createTRPCOptionsProxy } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../server/api/app-router';
import { currentLocale } from './i18n/i18n';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createApiClient() {
  // The header proves the call comes from this app: a cross-site form or image cannot send it.
  // The language goes with every call: node texts, summaries and problems come back in it.
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: '/trpc',
        headers: () => ({ 'x-waymark-csrf': '1', 'x-waymark-locale': currentLocale() }),
      }),
    ],
  });
}

/**
 * Starts the queries a page opens with while the app is still checking the session. Without a
 * session they fail (401) and the page asks again after sign-in.
 */
export function prefetchForPage(
  client: ReturnType<typeof createApiClient>,
  queryClient: QueryClient,
  pathname: string,
): void {
  const journey = /^\/journeys\/([0-9a-f-]{36})$/.exec(pathname);
  if (!journey) return;
  const api = createTRPCOptionsProxy<AppRouter>({ client, queryClient });
  void queryClient.prefetchQuery(api.journeys.get.queryOptions({ id: journey[1] }, { retry: false }));
  void queryClient.prefetchQuery(
    api.nodeTypes.list.queryOptions(undefined, { staleTime: Infinity, retry: false }),
  );
}
