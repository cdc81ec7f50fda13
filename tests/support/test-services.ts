// Services (database, queue, node types) on a fresh test database, for integration tests.
import type PgBoss from 'pg-boss';
import { appRouter } from '../../server/api/app-router';
import { createNodeRegistry } from '../../server/plugins/node-registry';
import { startJobQueue } from '../../server/queue/job-queue';
import type { Services } from '../../server/services';
import { ensureDefaultWorkspace } from '../../server/workspaces/default-workspace';
import type { NodeTypeDefinition } from '../../shared/node-type';
import type { Role } from '../../server/db/schema';
import { createTestDatabase, type TestDatabase } from './test-database';

// Stored secrets are sealed with this key in tests (app processes started by tests inherit it).
process.env.WAYMARK_ENCRYPTION_KEY ??= 'waymark-test-encryption-key-0123456789';

export interface TestServices extends Services {
  database: TestDatabase;
  /** A tRPC caller as a signed-in user of the workspace (admin unless another role is given). */
  caller(workspaceId?: string, role?: Role): ReturnType<typeof appRouter.createCaller>;
  close(): Promise<void>;
}

export async function createTestServices(
  options: { extraNodeTypes?: NodeTypeDefinition[]; poolSize?: number } = {},
): Promise<TestServices> {
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
    // One user per workspace and role, made once even when calls start at the same time.
    const users = new Map<string, Promise<string>>();
    const userFor = (workspaceId: string, role: Role) => {
      const key = `${workspaceId}:${role}`;
      if (!users.has(key)) {
        const email = `${role}-${users.size}@test.example`;
        users.set(
          key,
          (async () => {
            const user = await database.db
              .insertInto('users')
              .values({ email, password_hash: 'x' })
              .returning('id')
              .executeTakeFirstOrThrow();
            await database.db
              .insertInto('memberships')
              .values({ user_id: user.id, workspace_id: workspaceId, role })
              .execute();
            return user.id;
          })(),
        );
      }
      return users.get(key)!;
    };
    // The caller sees this very object: a test that changes a setting on it (delivery) is heard.
    const result: TestServices = {
      ...services,
      database,
      caller: (workspaceId = services.defaultWorkspaceId, role: Role = 'admin') =>
        appRouter.createCaller(async () => ({
          services: result,
          workspaceId,
          csrfOk: true,
          user: {
            userId: await userFor(workspaceId, role),
            email: `${role}@test.example`,
            name: null,
            workspaceId,
            role,
          },
        })),
      async close() {
        await boss!.stop({ graceful: false, wait: true });
        await database.drop();
      },
    };
    return result;
  } catch (error) {
    await boss?.stop({ graceful: false }).catch(() => undefined);
    await database.drop();
    throw error;
  }
}
