// Domain errors as named classes; mapped to tRPC and HTTP codes in one place (server/api/trpc.ts).
import type { GraphProblem } from '../shared/validate-graph';

export class NotFoundError extends Error {
  constructor(what: string, id: string) {
    super(`${what} ${id} was not found`);
    this.name = 'NotFoundError';
  }
}

export class ForbiddenError extends Error {
  constructor(message = 'you may not do that here') {
    super(message);
    this.name = 'ForbiddenError';
  }
}

export class ConflictError extends Error {
  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ConflictError';
  }
}

export class GraphInvalidError extends Error {
  /** `nodes`: the graph's nodes, so that the editor can name them in its language. */
  constructor(
    readonly problems: GraphProblem[],
    readonly nodes?: ReadonlyArray<{ id: string; type: string; label?: string; config?: unknown }>,
  ) {
    super(
      `the journey has ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems
        .slice(0, 5)
        .map((p) => p.message)
        .join('; ')}`,
    );
    this.name = 'GraphInvalidError';
  }
}

export class InvalidInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'InvalidInputError';
  }
}
