// tRPC is initialised once here; domain errors become tRPC codes in one place.
import { initTRPC, TRPCError } from '@trpc/server';
import { ZodError } from 'zod';
import type { Services } from '../services';
import { ConflictError, ForbiddenError, GraphInvalidError, InvalidInputError, NotFoundError } from '../errors';

export interface RequestContext {
  services: Services;
  workspaceId: string;
}

const t = initTRPC.context<RequestContext>().create({
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        // Which field was wrong and what was expected, for forms and API clients.
        fieldErrors: cause instanceof ZodError
          ? cause.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }))
          : undefined,
        problems: cause instanceof GraphInvalidError ? cause.problems : undefined,
        details: cause instanceof ConflictError ? cause.details : undefined,
      },
    };
  },
});

function domainErrorToTrpc(error: unknown): TRPCError | null {
  if (error instanceof NotFoundError) return new TRPCError({ code: 'NOT_FOUND', message: error.message, cause: error });
  if (error instanceof ForbiddenError) return new TRPCError({ code: 'FORBIDDEN', message: error.message, cause: error });
  if (error instanceof ConflictError) return new TRPCError({ code: 'CONFLICT', message: error.message, cause: error });
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
export const procedure = t.procedure.use(mapErrors);
