// Test mode on real infrastructure: the draft is published as a test version that only the listed
// test profiles enter — now, and by their own trigger events until the next publish — with waits
// `speed` times shorter; their messages go to the workspace's test
// address (see delivery) and test versions stay out of the journey's stats.
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type PgBoss from 'pg-boss';
import type { NodeTypeRegistry } from '../../shared/node-type';
import { startingTrigger } from '../../shared/simulate';
import { validateGraph } from '../../shared/validate-graph';
import type { Database } from '../db/database';
import type { RunContext } from '../db/schema';
import { GraphInvalidError, InvalidInputError, NotFoundError } from '../errors';
import { createRuns } from '../engine/enter-journey';
import { findProfileByReference } from '../profiles/profile-queries';
import { insertVersion } from './publish-journey';

export interface TestRunRequest {
  /** User ids, emails or profile ids of the test profiles. */
  profiles: string[];
  speed: number;
  trigger?: { name: string; properties: Record<string, unknown> } | null;
}

export async function startTestRuns(
  db: Database,
  boss: PgBoss,
  registry: NodeTypeRegistry,
  workspaceId: string,
  journeyId: string,
  request: TestRunRequest,
) {
  return db.transaction().execute(async (trx) => {
    const journey = await trx
      .selectFrom('journeys')
      .select(['id', 'draft'])
      .where('workspace_id', '=', workspaceId)
      .where('id', '=', journeyId)
      .forUpdate()
      .executeTakeFirst();
    if (!journey) throw new NotFoundError('journey', journeyId);
    const validation = validateGraph(journey.draft, registry);
    if (!validation.ok) throw new GraphInvalidError(validation.problems);
    const start = startingTrigger(validation.graph, registry, request.trigger?.name)!; // a valid graph has a trigger

    const profileIds: string[] = [];
    for (const [index, reference] of request.profiles.entries()) {
      const row = await findProfileByReference(trx, workspaceId, reference);
      if (!row)
        throw new InvalidInputError(
          `profiles.${index}`,
          `no profile with the id, user id or email "${reference.trim()}"`,
        );
      profileIds.push(row.id);
    }

    const testers = [...new Set(profileIds)];
    const version = await insertVersion(trx, workspaceId, journeyId, validation.graph, true);
    // From now on the test profiles' own trigger events enter the test version too (until the next publish).
    await trx
      .updateTable('journeys')
      .set({
        test_version_id: version.id,
        test_profile_ids: sql`${testers}::uuid[]`,
        test_speed: request.speed,
      })
      .where('id', '=', journeyId)
      .execute();
    const now = new Date();
    const context: RunContext = {
      event: request.trigger
        ? {
            id: randomUUID(),
            name: request.trigger.name,
            properties: request.trigger.properties,
            occurredAt: now.toISOString(),
          }
        : null,
      variables: {},
      test: { speed: request.speed },
    };
    // A test profile already inside this journey (live or an earlier test) is skipped.
    const inserted = await createRuns(trx, boss, {
      workspaceId,
      journeyId,
      triggerNodeId: start.id,
      now,
      rows: testers.map((profileId) => ({ profile_id: profileId, version_id: version.id, context })),
    });
    return {
      versionId: version.id,
      testNumber: -version.version,
      started: inserted.length,
      alreadyInside: testers.length - inserted.length,
    };
  });
}
