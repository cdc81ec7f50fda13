// tRPC router: workspace settings — ingest write keys and the health-score formula.
import { z } from 'zod';
import { healthScoreConfigSchema } from '../../shared/health-score';
import { createWriteKey, listWriteKeys, revokeWriteKey } from '../ingest/write-keys';
import { getHealthConfig, setHealthConfig } from '../profiles/health-score';
import { procedure, router } from './trpc';

export const settingsRouter = router({
  writeKeys: procedure.query(({ ctx }) => listWriteKeys(ctx.services.db, ctx.workspaceId)),
  /** The full key is shown once, here; afterwards only its first characters. */
  createWriteKey: procedure
    .input(z.object({ name: z.string().trim().min(1, 'name the key (e.g. "Website")').max(100) }))
    .mutation(({ ctx, input }) => createWriteKey(ctx.services.db, ctx.workspaceId, input.name)),
  revokeWriteKey: procedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(({ ctx, input }) => revokeWriteKey(ctx.services.db, ctx.workspaceId, input.id)),
  healthScore: procedure.query(({ ctx }) => getHealthConfig(ctx.services.db, ctx.workspaceId)),
  setHealthScore: procedure
    .input(z.object({ config: healthScoreConfigSchema.nullable() }))
    .mutation(({ ctx, input }) => setHealthConfig(ctx.services.db, ctx.workspaceId, input.config)),
});
