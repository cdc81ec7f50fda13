// Services (database, queue, node types) on a fresh test database, for integration tests.
import type PgBoss from 'pg-boss';
import { appRouter } from '../../server/api/app-router';
import { createNodeRegistry } from '../../server/plugins/node-registry';
import { startJobQueue } from '../../server/queue/job-queue';
import type { Services } from '../../server/services';
import { ensureDefaultWorkspace } from '../../server/workspaces/default-workspace';
import type { NodeTypeDefinition } from '../../shared/node-type';
import { createTestDatabase, type TestDatabase } from './test-database';

export interface TestServices extends Services {
  database: TestDatabase;
  caller(workspaceId?: string): ReturnType<typeof appRouter.createCaller>;
  close(): Promise<void>;
}

export async function createTestServices(options: { extraNodeTypes?: NodeTypeDefinition[]; poolSize?: number } = {}): Promise<TestServices> {
  const database = await createTestDatabase({ poolSize: options.poolSize });
  let boss: PgBoss | undefined;
  try {
    boss = await startJobQueue(database.url, { supervise: false });
    const services: Services = {
      db: database.db,
      boss,
      registry: createNodeRegistry(options.extraNodeTypes),
      defaultWorkspaceId: await ensureDefaultWorkspace(database.db),
    };
    return {
      ...services,
      database,
      caller: (workspaceId = services.defaultWorkspaceId) => appRouter.createCaller({ services, workspaceId }),
      async close() {
        await boss!.stop({ graceful: false, wait: true });
        await database.drop();
      },
    };
  } catch (error) {
    await boss?.stop({ graceful: false }).catch(() => undefined);
    await database.drop();
    throw error;
  }
}
