// The whole tRPC API; the client imports only its type.
import { journeysRouter } from './journeys';
import { nodeTypesRouter } from './node-types';
import { router } from './trpc';

export const appRouter = router({
  journeys: journeysRouter,
  nodeTypes: nodeTypesRouter,
});

export type AppRouter = typeof appRouter;
