// The typed tRPC client and its TanStack Query bindings.
import { createTRPCClient, httpBatchLink } from '@trpc/client';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import type { AppRouter } from '../server/api/app-router';

export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createApiClient() {
  // The header proves the call comes from this app: a cross-site form or image cannot send it.
  return createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/trpc', headers: { 'x-waymark-csrf': '1' } })] });
}
