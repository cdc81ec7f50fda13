// tRPC router: journeys (list, read, create, rename, save the draft).
import { z } from 'zod';
import { journeyGraphSchema } from '../../shared/graph';
import { changeJourneyStatus, publishJourney } from '../journeys/publish-journey';
import { conditionSchema } from '../../shared/conditions';
import { audit, roleAtLeast } from '../accounts/accounts';
import { ForbiddenError } from '../errors';
import {
  createJourney,
  duplicateJourney,
  setGoal,
  getJourney,
  listJourneys,
  listVersions,
  renameJourney,
  restoreVersionAsDraft,
  setEntryRule,
  updateDraft,
} from '../journeys/journey-store';
import { exportJourney, importJourney } from '../journeys/journey-files';
import { inspectGraph } from '../journeys/inspect-graph';
import { templateVariables } from '../journeys/template-variables';
import { nodeMovesSchema, previewMigration } from '../journeys/migrate-runs';
import { simulateJourney } from '../journeys/simulate-journey';
import { startTestRuns } from '../journeys/test-runs';
import { editorProcedure, publisherProcedure, viewerProcedure, router } from './trpc';

const journeyId = z.object({ id: z.string().uuid('a journey id is a UUID') });
const journeyName = z
  .string()
  .trim()
  .min(1, 'a journey needs a name')
  .max(200, 'a journey name has at most 200 characters');

export const journeysRouter = router({
  list: viewerProcedure
    .input(z.object({ search: z.string().max(200).optional() }).optional())
    .query(({ ctx, input }) => listJourneys(ctx.services.db, ctx.workspaceId, input?.search)),
  /** The journey with its draft's inspection (problems, summaries, ports), so the canvas opens ready. */
  get: viewerProcedure.input(journeyId).query(async ({ ctx, input }) => {
    const journey = await getJourney(ctx.services.db, ctx.workspaceId, input.id);
    return { ...journey, inspection: inspectGraph(journey.draft, ctx.services.registry, ctx.locale) };
  }),
  create: editorProcedure
    .input(z.object({ name: journeyName, draft: journeyGraphSchema.optional() }))
    .mutation(({ ctx, input }) => createJourney(ctx.services.db, ctx.workspaceId, input)),
  rename: editorProcedure
    .input(journeyId.extend({ name: journeyName }))
    .mutation(({ ctx, input }) => renameJourney(ctx.services.db, ctx.workspaceId, input.id, input.name)),
  updateDraft: editorProcedure
    .input(journeyId.extend({ draft: z.unknown(), baseRevision: z.number().int().positive().optional() }))
    .mutation(({ ctx, input }) => updateDraft(ctx.services.db, ctx.workspaceId, input.id, input)),
  /** Problems of a graph as the canvas edits it (the same check publish makes), with each node's summary and ports. */
  inspect: viewerProcedure
    .input(z.object({ graph: z.unknown() }))
    .query(({ ctx, input }) => inspectGraph(input.graph, ctx.services.registry, ctx.locale)),
  /** What its messages can use: traits seen, trigger-event properties seen (and a sample), journey variables. */
  variables: viewerProcedure
    .input(journeyId)
    .query(({ ctx, input }) =>
      templateVariables(ctx.services.db, ctx.services.registry, ctx.workspaceId, input.id),
    ),
  versions: viewerProcedure
    .input(journeyId)
    .query(({ ctx, input }) => listVersions(ctx.services.db, ctx.workspaceId, input.id)),
  restoreVersion: editorProcedure
    .input(journeyId.extend({ version: z.number().int().positive() }))
    .mutation(({ ctx, input }) =>
      restoreVersionAsDraft(ctx.services.db, ctx.workspaceId, input.id, input.version),
    ),
  duplicate: editorProcedure
    .input(journeyId)
    .mutation(({ ctx, input }) => duplicateJourney(ctx.services.db, ctx.workspaceId, input.id)),
  setEntryRule: editorProcedure
    .input(
      journeyId.extend({
        rule: z.enum(['never', 'after', 'always']),
        reentryDays: z.number().int().positive().max(3650).nullable().default(null),
      }),
    )
    .mutation(({ ctx, input }) =>
      setEntryRule(ctx.services.db, ctx.workspaceId, input.id, input.rule, input.reentryDays),
    ),
  setGoal: editorProcedure
    .input(
      journeyId.extend({
        goal: z
          .object({
            event: z.string().trim().min(1, 'name the goal event (e.g. Order Completed)').max(200),
            where: conditionSchema.optional(),
            windowDays: z.number().int().min(1, 'the window is at least 1 day').max(365),
            exitOnConversion: z.boolean().default(false),
          })
          .nullable(),
      }),
    )
    .mutation(({ ctx, input }) => setGoal(ctx.services.db, ctx.workspaceId, input.id, input.goal)),
  export: viewerProcedure
    .input(journeyId)
    .query(({ ctx, input }) => exportJourney(ctx.services.db, ctx.workspaceId, input.id)),
  import: editorProcedure
    .input(z.object({ file: z.unknown(), publish: z.boolean().default(false) }))
    .mutation(async ({ ctx, input }) => {
      // Importing as live is publishing: it needs the publisher role.
      if (input.publish && !roleAtLeast(ctx.user.role, 'publisher'))
        throw new ForbiddenError('publishing needs the publisher role');
      const journey = await importJourney(
        ctx.services.db,
        ctx.services.registry,
        ctx.workspaceId,
        input.file,
        { publish: input.publish },
      );
      if (input.publish)
        await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'journey.published', {
          journeyId: journey.id,
          version: journey.liveVersion,
          imported: true,
        });
      return journey;
    }),
  publish: publisherProcedure
    .input(journeyId.extend({ migration: z.object({ moves: nodeMovesSchema }).optional() }))
    .mutation(async ({ ctx, input }) => {
      const result = await publishJourney(
        ctx.services.db,
        ctx.services.registry,
        ctx.workspaceId,
        input.id,
        input.migration?.moves,
      );
      await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'journey.published', {
        journeyId: input.id,
        version: result.version,
        ...(input.migration ? { migrated: result.migrated } : {}),
      });
      return result;
    }),
  /** Test mode: the draft as a test version for the listed test profiles, waits shortened, messages to the test address. */
  startTest: publisherProcedure
    .input(
      journeyId.extend({
        profiles: z
          .array(z.string().trim().min(1, 'a user id, email or profile id').max(300))
          .min(1, 'list at least one test profile')
          .max(50),
        speed: z.number().min(1).max(1_000_000).default(1),
        trigger: z
          .object({
            name: z.string().trim().min(1).max(200),
            properties: z.record(z.string(), z.unknown()).default({}),
          })
          .nullable()
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const result = await startTestRuns(
        ctx.services.db,
        ctx.services.boss,
        ctx.services.registry,
        ctx.workspaceId,
        input.id,
        input,
      );
      await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, 'journey.test-started', {
        journeyId: input.id,
        test: result.testNumber,
        profiles: input.profiles.length,
        speed: input.speed,
      });
      return result;
    }),
  /** One customer through the draft with a virtual clock; nothing is written. */
  simulate: viewerProcedure
    .input(
      journeyId.extend({
        graph: z.unknown(),
        profileId: z.string().uuid('a profile id is a UUID').optional(),
        sample: z.record(z.string(), z.unknown()).optional(),
        trigger: z
          .object({
            name: z.string().trim().min(1, 'name the trigger event').max(200),
            properties: z.record(z.string(), z.unknown()).default({}),
          })
          .nullable()
          .optional(),
        events: z
          .array(
            z.object({
              name: z.string().trim().min(1, 'name the event').max(200),
              properties: z.record(z.string(), z.unknown()).default({}),
              afterHours: z
                .number()
                .min(0)
                .max(24 * 400),
            }),
          )
          .max(50)
          .default([]),
        start: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .query(({ ctx, input }) =>
      simulateJourney(ctx.services.db, ctx.services.registry, ctx.workspaceId, {
        ...input,
        journeyId: input.id,
      }),
    ),
  /** Who moves where if the graph is published with these moves (customers of the live version). */
  migrationPreview: publisherProcedure
    .input(journeyId.extend({ graph: z.unknown(), moves: nodeMovesSchema.optional() }))
    .query(({ ctx, input }) =>
      previewMigration(
        ctx.services.db,
        ctx.services.registry,
        ctx.workspaceId,
        input.id,
        input.graph,
        input.moves,
      ),
    ),
  setStatus: publisherProcedure
    .input(journeyId.extend({ action: z.enum(['pause', 'resume', 'archive']) }))
    .mutation(async ({ ctx, input }) => {
      const status = await changeJourneyStatus(ctx.services.db, ctx.workspaceId, input.id, input.action);
      await audit(ctx.services.db, ctx.workspaceId, ctx.user.userId, `journey.${input.action}d`, {
        journeyId: input.id,
      });
      return status;
    }),
});
