// tRPC router: the signed-in user, the workspace's members and invitations, the audit log.
import { z } from 'zod';
import { createInvite, listAudit, listMembers, roles, setRole } from '../accounts/accounts';
import type { Role } from '../db/schema';
import { adminProcedure, router, viewerProcedure } from './trpc';

export const accountsRouter = router({
  me: viewerProcedure.query(({ ctx }) => ctx.user),
  members: adminProcedure.query(({ ctx }) => listMembers(ctx.services.db, ctx.workspaceId)),
  /** An invitation link, valid for 7 days; the token is shown once. */
  invite: adminProcedure
    .input(z.object({ role: z.enum(roles as [Role, ...Role[]]) }))
    .mutation(async ({ ctx, input }) => ({ token: await createInvite(ctx.services.db, ctx.workspaceId, input.role, ctx.user.userId) })),
  setRole: adminProcedure
    .input(z.object({ userId: z.string().uuid(), role: z.enum(roles as [Role, ...Role[]]).nullable() }))
    .mutation(({ ctx, input }) => setRole(ctx.services.db, ctx.workspaceId, ctx.user.userId, input.userId, input.role)),
  audit: adminProcedure.query(({ ctx }) => listAudit(ctx.services.db, ctx.workspaceId)),
});
