// What request handlers and workers share: the database, the queue, the node types.
import type PgBoss from 'pg-boss';
import type { NodeTypeRegistry } from '../shared/node-type';
import type { Database } from './db/database';

export interface Services {
  db: Database;
  boss: PgBoss;
  registry: NodeTypeRegistry;
  defaultWorkspaceId: string;
}
