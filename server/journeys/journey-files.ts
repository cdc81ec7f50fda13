// Journeys as files: export to JSON and import from it (UI and command line), all or nothing.
import { z } from 'zod';
import { journeyGraphSchema } from '../../shared/graph';
import type { NodeTypeRegistry } from '../../shared/node-type';
import { validateGraph, type GraphProblem } from '../../shared/validate-graph';
import type { Database } from '../db/database';
import { GraphInvalidError } from '../errors';
import { createJourney, getJourney, setEntryRule } from './journey-store';
import { publishJourneyIn } from './publish-journey';

export const journeyFileSchema = z.object({
  waymark: z.literal('journey', { error: 'not a Waymark journey file (expected "waymark": "journey")' }),
  formatVersion: z.literal(1),
  name: z.string().trim().min(1).max(200),
  entryRule: z.enum(['never', 'after', 'always']).default('always'),
  reentryDays: z.number().int().positive().nullable().default(null),
  graph: journeyGraphSchema,
});
export type JourneyFile = z.infer<typeof journeyFileSchema>;

export async function exportJourney(
  db: Database,
  workspaceId: string,
  journeyId: string,
): Promise<JourneyFile> {
  const journey = await getJourney(db, workspaceId, journeyId);
  return {
    waymark: 'journey',
    formatVersion: 1,
    name: journey.name,
    entryRule: journey.entryRule,
    reentryDays: journey.reentryDays,
    graph: journey.draft,
  };
}

/** Problems a draft may still have; everything else makes a file unfit to import. */
const draftProblems = new Set<GraphProblem['code']>(['unwired-port', 'unreachable', 'no-trigger']);

/** Imports a journey file as a new journey (and publishes it when asked). Nothing is written when anything is wrong. */
export async function importJourney(
  db: Database,
  registry: NodeTypeRegistry,
  workspaceId: string,
  input: unknown,
  options: { publish?: boolean; name?: string } = {},
) {
  const file = journeyFileSchema.safeParse(input);
  if (!file.success) {
    throw new GraphInvalidError(
      file.error.issues.map((issue) => ({
        code: 'schema' as const,
        path: issue.path.join('.'),
        message: `${issue.path.join('.') || 'file'}: ${issue.message}`,
      })),
    );
  }
  const validation = validateGraph(file.data.graph, registry);
  const blocking = validation.problems.filter(
    (problem) => options.publish || !draftProblems.has(problem.code),
  );
  if (blocking.length > 0) throw new GraphInvalidError(blocking);
  const journeyId = await db.transaction().execute(async (trx) => {
    const journey = await createJourney(trx, workspaceId, {
      name: options.name ?? file.data.name,
      draft: file.data.graph,
    });
    await setEntryRule(trx, workspaceId, journey.id, file.data.entryRule, file.data.reentryDays);
    if (options.publish) await publishJourneyIn(trx, registry, workspaceId, journey.id);
    return journey.id;
  });
  return getJourney(db, workspaceId, journeyId);
}
