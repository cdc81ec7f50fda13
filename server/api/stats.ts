// tRPC router: stats of a journey, the customers at a node, and a CSV export.
import { z } from 'zod';
import type { JourneyGraph } from '../../shared/graph';
import { getNodeCustomers, getJourneyStats, statsToCsv } from '../stats/journey-stats';
import { viewerProcedure, router } from './trpc';

const range = z.object({
  journeyId: z.string().uuid('a journey id is a UUID'),
  versionId: z.string().uuid().optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
});
const toRange = (input: z.infer<typeof range>) => ({
  versionId: input.versionId,
  from: input.from ? new Date(input.from) : undefined,
  to: input.to ? new Date(input.to) : undefined,
});

export const statsRouter = router({
  journey: viewerProcedure
    .input(range)
    .query(({ ctx, input }) =>
      getJourneyStats(ctx.services.db, ctx.workspaceId, input.journeyId, toRange(input)),
    ),
  csv: viewerProcedure.input(range).query(async ({ ctx, input }) => {
    const stats = await getJourneyStats(ctx.services.db, ctx.workspaceId, input.journeyId, toRange(input));
    const version = await ctx.services.db
      .selectFrom('journey_versions')
      .select('graph')
      .where('journey_id', '=', input.journeyId)
      .$if(Boolean(input.versionId), (q) => q.where('id', '=', input.versionId!))
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return statsToCsv(stats, (version?.graph as JourneyGraph | undefined) ?? null);
  }),
  nodeCustomers: viewerProcedure
    .input(
      z.object({
        journeyId: z.string().uuid(),
        nodeId: z.string().min(1).max(64),
        versionId: z.string().uuid().optional(),
        search: z.string().max(200).optional(),
        limit: z.number().int().min(1).max(200).default(50),
        offset: z.number().int().min(0).default(0),
      }),
    )
    .query(({ ctx, input }) => getNodeCustomers(ctx.services.db, ctx.workspaceId, input.journeyId, input)),
});
