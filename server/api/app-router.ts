// The whole tRPC API; the client imports only its type.
import { journeysRouter } from './journeys';
import { nodeTypesRouter } from './node-types';
import { profilesRouter } from './profiles';
import { settingsRouter } from './settings';
import { router } from './trpc';

export const appRouter = router({
  journeys: journeysRouter,
  nodeTypes: nodeTypesRouter,
  profiles: profilesRouter,
  settings: settingsRouter,
});

export type AppRouter = typeof appRouter;
