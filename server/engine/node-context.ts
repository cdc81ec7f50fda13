// The engine's node context: the shared one (shared/run-context.ts), with event counts read from
// the database in the step's transaction.
import { sql } from 'kysely';
import type { NodeContext } from '../../shared/node-type';
import { createRunContext, type ContextInput } from '../../shared/run-context';
import type { Executor } from '../db/database';

export { emptyStagedWrites, NodeFailure, type StagedWrites } from '../../shared/run-context';

export function createNodeContext(input: Omit<ContextInput, 'countEvents'> & { db: Executor }): NodeContext {
  const { db, ...context } = input;
  return createRunContext({
    ...context,
    countEvents: async (event, withinDays) => {
      let query = db
        .selectFrom('events')
        .select(sql<number>`count(*)`.as('n'))
        .where('profile_id', '=', context.profile.id)
        .where('name', '=', event)
        // Up to the run's clock (event time): an event of the same batch that happened later is not seen yet.
        .where('occurred_at', '<=', context.now);
      if (withinDays !== undefined)
        query = query.where('occurred_at', '>=', new Date(context.now.getTime() - withinDays * 86_400_000));
      const row = await query.executeTakeFirstOrThrow();
      return Number(row.n);
    },
  });
}
