// The whole tRPC API; the client imports only its type.
import { journeysRouter } from './journeys';
import { nodeTypesRouter } from './node-types';
import { profilesRouter } from './profiles';
import { settingsRouter } from './settings';
import { statsRouter } from './stats';
import { channelsRouter } from './channels';
import { accountsRouter } from './accounts';
import { router } from './trpc';

export const appRouter = router({
  journeys: journeysRouter,
  nodeTypes: nodeTypesRouter,
  profiles: profilesRouter,
  settings: settingsRouter,
  stats: statsRouter,
  channels: channelsRouter,
  accounts: accountsRouter,
});

export type AppRouter = typeof appRouter;
