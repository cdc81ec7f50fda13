// The whole tRPC API; the client imports only its type.
import { journeysRouter } from './journeys';
import { nodeTypesRouter } from './node-types';
import { profilesRouter } from './profiles';
import { settingsRouter } from './settings';
import { statsRouter } from './stats';
import { router } from './trpc';

export const appRouter = router({
  journeys: journeysRouter,
  nodeTypes: nodeTypesRouter,
  profiles: profilesRouter,
  settings: settingsRouter,
  stats: statsRouter,
});

export type AppRouter = typeof appRouter;
