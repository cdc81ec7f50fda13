// tRPC router: profiles (search, one profile with its timeline and journeys).
import { z } from 'zod';
import { getProfile, searchProfiles } from '../profiles/profile-queries';
import { viewerProcedure, router } from './trpc';

export const profilesRouter = router({
  search: viewerProcedure
    .input(z.object({ query: z.string().max(200).optional(), limit: z.number().int().min(1).max(200).default(50), offset: z.number().int().min(0).default(0) }))
    .query(({ ctx, input }) => searchProfiles(ctx.services.db, ctx.workspaceId, input)),
  get: viewerProcedure
    .input(z.object({ id: z.string().uuid('a profile id is a UUID') }))
    .query(({ ctx, input }) => getProfile(ctx.services.db, ctx.workspaceId, input.id)),
});
