// tRPC router: profiles (search, one profile with its timeline and journeys, export and delete
// for the customer's data rights — admins only, and audited).
import { z } from 'zod';
import { audit } from '../accounts/accounts';
import { deleteProfile, exportProfile } from '../profiles/personal-data';
import { getProfile, searchProfiles } from '../profiles/profile-queries';
import { adminProcedure, viewerProcedure, router } from './trpc';

export const profilesRouter = router({
  search: viewerProcedure
    .input(
      z.object({
        query: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(200).default(50),
        offset: z.number().int().min(0).default(0),
      }),
    )
    .query(({ ctx, input }) => searchProfiles(ctx.services.db, ctx.workspaceId, input)),
  get: viewerProcedure
    .input(z.object({ id: z.string().uuid('a profile id is a UUID') }))
    .query(({ ctx, input }) =>
      getProfile(ctx.services.db, ctx.workspaceId, input.id, ctx.services.registry, ctx.locale),
    ),
  exportData: adminProcedure
    .input(z.object({ id: z.string().uuid('a profile id is a UUID') }))
    .mutation(async ({ ctx, input }) => {
      const data = await exportProfile(ctx.services.db, ctx.workspaceId, input.id);
      await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'profile.exported', {
        profileId: input.id,
      });
      return data;
    }),
  delete: adminProcedure
    .input(z.object({ id: z.string().uuid('a profile id is a UUID') }))
    .mutation(async ({ ctx, input }) => {
      return ctx.services.db.transaction().execute(async (trx) => {
        const result = await deleteProfile(trx, ctx.workspaceId, input.id);
        await audit(trx, ctx.workspaceId, ctx.user.userId, 'profile.deleted', { profileId: input.id });
        return result;
      });
    }),
});
