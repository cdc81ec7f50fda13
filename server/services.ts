// What request handlers and workers share: the database, the queue, the node types.
import type PgBoss from 'pg-boss';
import type { NodeTypeRegistry } from '../shared/node-type';
import type { Database } from './db/database';

export interface Services {
  db: Database;
  boss: PgBoss;
  registry: NodeTypeRegistry;
  defaultWorkspaceId: string;
  /** WAYMARK_SECRET when set; else a secret generated once and kept in the database. */
  secret?: string;
  /** Delivery settings from the environment. */
  delivery?: {
    publicUrl: string;
    smtpUrl?: string;
    from: string;
    claimTimeoutSeconds?: number;
    allowPrivateHosts?: readonly string[];
    probeSeconds?: number;
    maxAgeSeconds?: number;
    concurrency?: number;
    smtpPool?: { connections: number; messages: number };
    /** Messages claimed at once by a worker. */
    batch?: number;
  };
}
