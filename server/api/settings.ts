// tRPC router: workspace settings — ingest write keys and the health-score formula.
import { z } from 'zod';
import { healthScoreConfigSchema } from '../../shared/health-score';
import { audit } from '../accounts/accounts';
import { createWriteKey, listWriteKeys, revokeWriteKey } from '../ingest/write-keys';
import { getHealthConfig, setHealthConfig } from '../profiles/health-score';
import { adminProcedure, router } from './trpc';

/** "https://shop.example.com" — scheme, host and port, as a browser sends it in Origin. */
const webOrigin = z
  .string()
  .trim()
  .transform((value, ctx) => {
    try {
      const url = new URL(value);
      if ((url.protocol === 'https:' || url.protocol === 'http:') && url.origin !== 'null') return url.origin;
    } catch {
      // reported below
    }
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not a web origin (expected e.g. https://shop.example.com)`,
    });
    return z.NEVER;
  });

export const settingsRouter = router({
  writeKeys: adminProcedure.query(({ ctx }) => listWriteKeys(ctx.services.db, ctx.workspaceId)),
  /** The full key is shown once, here; afterwards only its first characters. */
  createWriteKey: adminProcedure
    .input(
      z.object({
        name: z.string().trim().min(1, 'name the key (e.g. "Website")').max(100),
        /** Web origins the key may be used from; none: any. */
        allowedOrigins: z.array(webOrigin).max(50).default([]),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const key = await createWriteKey(ctx.services.db, ctx.workspaceId, input.name, undefined, [
        ...new Set(input.allowedOrigins),
      ]);
      await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'write-key.created', {
        id: key.id,
        name: input.name,
      });
      return key;
    }),
  revokeWriteKey: adminProcedure
    .input(z.object({ id: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      await revokeWriteKey(ctx.services.db, ctx.workspaceId, input.id);
      await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'write-key.revoked', { id: input.id });
    }),
  healthScore: adminProcedure.query(({ ctx }) => getHealthConfig(ctx.services.db, ctx.workspaceId)),
  setHealthScore: adminProcedure
    .input(z.object({ config: healthScoreConfigSchema.nullable() }))
    .mutation(async ({ ctx, input }) => {
      await setHealthConfig(ctx.services.db, ctx.workspaceId, input.config);
      await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'settings.health-score', {
        enabled: input.config !== null,
      });
    }),
});
