// The engine's node context: the shared one (shared/run-context.ts), with event counts read from
// the database in the step's transaction.
import { sql } from 'kysely';
import type { NodeContext } from '../../shared/node-type';
import { createRunContext, type ContextInput } from '../../shared/run-context';
import type { Executor } from '../db/database';

export { emptyStagedWrites, NodeFailure, type StagedWrites } from '../../shared/run-context';

export function createNodeContext(input: Omit<ContextInput, 'countEvents'> & { db: Executor }): NodeContext {
  const { db, profile, now } = input;
  // Field by field rather than `{ ...input, countEvents }`: a spread followed by a new field takes
  // V8's slow path, and this runs on every step.
  return createRunContext({
    now, runId: input.runId, nodeId: input.nodeId, journeyId: input.journeyId, profile, event: input.event,
    resume: input.resume, staged: input.staged, trace: input.trace,
    async countEvents(event, withinDays) {
      let query = db.selectFrom('events').select(sql<number>`count(*)`.as('n'))
        .where('profile_id', '=', profile.id).where('name', '=', event)
        // Up to the run's clock (event time): an event of the same batch that happened later is not seen yet.
        .where('occurred_at', '<=', now);
      if (withinDays !== undefined) query = query.where('occurred_at', '>=', new Date(now.getTime() - withinDays * 86_400_000));
      const row = await query.executeTakeFirstOrThrow();
      return Number(row.n);
    },
  });
}
