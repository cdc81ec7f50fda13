// tRPC is initialised once here; domain errors become tRPC codes in one place.
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Services } from '../services';
import { roleAtLeast, type SessionUser } from '../accounts/accounts';
import type { Role } from '../db/schema';
import type { Locale } from '../../shared/node-type';
import { readableProblems } from '../journeys/problem-texts';
import {
  ConflictError,
  ForbiddenError,
  GraphInvalidError,
  InvalidInputError,
  NotFoundError,
} from '../errors';

export interface RequestContext {
  services: Services;
  /** The signed-in user's workspace ('' when nobody is signed in). */
  workspaceId: string;
  user: SessionUser | null;
  /** The request carried the x-waymark-csrf header (a cross-site form cannot send it). */
  csrfOk: boolean;
  /** The session cookie's token (to keep this session when the others end). */
  sessionToken?: string;
  /** The language the UI asked in (x-waymark-locale): node texts and summaries come in it. */
  locale?: Locale;
}

const t = initTRPC.context<RequestContext>().create({
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        // Which field was wrong and what was expected, for forms and API clients.
        fieldErrors:
          cause instanceof ZodError
            ? cause.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
            : undefined,
        // The editor (which says its language) reads problems with its nodes named; API clients get them plain.
        problems:
          cause instanceof GraphInvalidError
            ? ctx?.locale && cause.nodes
              ? readableProblems(cause.problems, cause.nodes, ctx.services.registry, ctx.locale)
              : cause.problems
            : undefined,
        details: cause instanceof ConflictError ? cause.details : undefined,
      },
    };
  },
});

function domainErrorToTrpc(error: unknown): TRPCError | null {
  if (error instanceof NotFoundError)
    return new TRPCError({ code: 'NOT_FOUND', message: error.message, cause: error });
  if (error instanceof ForbiddenError)
    return new TRPCError({ code: 'FORBIDDEN', message: error.message, cause: error });
  if (error instanceof ConflictError)
    return new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
  if (error instanceof GraphInvalidError || error instanceof InvalidInputError) {
    return new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  }
  return null;
}

const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw domainErrorToTrpc(result.error.cause) ?? result.error;
  return result;
});

export const router = t.router;

/** A procedure for signed-in users with at least this role; mutations also need the CSRF header. */
function withRole(needed: Role) {
  return t.procedure.use(mapErrors).use(({ ctx, type, next }) => {
    if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'log in first' });
    if (!roleAtLeast(ctx.user.role, needed))
      throw new TRPCError({
        code: 'FORBIDDEN',
        message: `this needs the ${needed} role; you are ${ctx.user.role}`,
      });
    if (type === 'mutation' && !ctx.csrfOk)
      throw new TRPCError({ code: 'FORBIDDEN', message: 'missing the x-waymark-csrf header' });
    return next({ ctx: { ...ctx, user: ctx.user } });
  });
}

/** Read journeys, stats and profiles. */
export const viewerProcedure = withRole('viewer');
/** Edit drafts. */
export const editorProcedure = withRole('editor');
/** Publish, pause, resume. */
export const publisherProcedure = withRole('publisher');
/** Settings, keys, members. */
export const adminProcedure = withRole('admin');
