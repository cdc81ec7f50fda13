// tRPC router: the signed-in user, the workspace's members and invitations, the audit log.
import { z } from 'zod';
import {
  changePassword,
  createInvite,
  createPasswordReset,
  listAudit,
  listMembers,
  roles,
  setRole,
} from '../accounts/accounts';
import type { Role } from '../db/schema';
import { adminProcedure, router, viewerProcedure } from './trpc';

export const accountsRouter = router({
  me: viewerProcedure.query(({ ctx }) => ctx.user),
  members: adminProcedure.query(({ ctx }) => listMembers(ctx.services.db, ctx.workspaceId)),
  /** An invitation link, valid for 7 days; the token is shown once. */
  invite: adminProcedure
    .input(z.object({ role: z.enum(roles as [Role, ...Role[]]) }))
    .mutation(async ({ ctx, input }) => ({
      token: await createInvite(ctx.services.db, ctx.workspaceId, input.role, ctx.user.userId),
    })),
  setRole: adminProcedure
    .input(z.object({ userId: z.string().uuid(), role: z.enum(roles as [Role, ...Role[]]).nullable() }))
    .mutation(({ ctx, input }) =>
      setRole(ctx.services.db, ctx.workspaceId, ctx.user.userId, input.userId, input.role),
    ),
  audit: adminProcedure.query(({ ctx }) => listAudit(ctx.services.db, ctx.workspaceId)),
  /** The signed-in user's own password; his other sessions end. */
  changePassword: viewerProcedure
    .input(
      z.object({
        current: z.string().min(1, 'type the current password').max(200),
        next: z.string().min(10, 'a password has at least 10 characters').max(200),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await changePassword(ctx.services.db, ctx.user.userId, ctx.sessionToken, input.current, input.next);
      return { changed: true };
    }),
  /** A one-time link (24 hours) with which a member sets a new password; the token is shown once. */
  resetLink: adminProcedure
    .input(z.object({ userId: z.string().uuid() }))
    .mutation(async ({ ctx, input }) => {
      const { token, expiresAt } = await createPasswordReset(
        ctx.services.db,
        ctx.workspaceId,
        ctx.user.userId,
        input.userId,
      );
      return { path: `/reset/${token}`, expiresAt };
    }),
});
