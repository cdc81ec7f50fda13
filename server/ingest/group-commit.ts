// Group commit for ingest: calls that arrive while a transaction is in flight are stored
// together in the next one, so 200 single-event calls a second cost a few transactions, not 200.
// A group that fails is retried call by call, so one bad call never fails the others.
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Database } from '../db/database';
import { ingestMessages } from './ingest-messages';
import type { SegmentMessage } from './segment-messages';

interface Pending {
  messages: SegmentMessage[];
  resolve(result: { stored: number; duplicates: number }): void;
  reject(error: unknown): void;
}

const maxGroup = 2000;

export class IngestGroupCommitter {
  private queues = new Map<string, Pending[]>();
  private inFlight = new Set<string>();

  constructor(private readonly services: { db: Database; boss: PgBoss }) {}

  submit(workspaceId: string, messages: SegmentMessage[]): Promise<{ stored: number; duplicates: number }> {
    // Every message gets its id here, so the caller can tell which of its own were stored.
    const withIds = messages.map((message) => (message.messageId ? message : { ...message, messageId: randomUUID() }));
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(workspaceId) ?? [];
      queue.push({ messages: withIds, resolve, reject });
      this.queues.set(workspaceId, queue);
      if (!this.inFlight.has(workspaceId)) void this.drain(workspaceId);
    });
  }

  private async drain(workspaceId: string): Promise<void> {
    this.inFlight.add(workspaceId);
    try {
      for (;;) {
        const queue = this.queues.get(workspaceId) ?? [];
        if (queue.length === 0) break;
        const group: Pending[] = [];
        let size = 0;
        while (queue.length > 0 && (group.length === 0 || size + queue[0].messages.length <= maxGroup)) {
          const next = queue.shift()!;
          size += next.messages.length;
          group.push(next);
        }
        await this.store(workspaceId, group);
      }
    } finally {
      this.inFlight.delete(workspaceId);
      this.queues.delete(workspaceId);
    }
  }

  private async store(workspaceId: string, group: Pending[]): Promise<void> {
    const settle = (entry: Pending, storedIds: Set<string>) => {
      const stored = entry.messages.filter((message) => storedIds.has(message.messageId!)).length;
      entry.resolve({ stored, duplicates: entry.messages.length - stored });
    };
    try {
      const outcome = await ingestMessages(this.services, workspaceId, group.flatMap((entry) => entry.messages));
      for (const entry of group) settle(entry, outcome.storedIds);
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      for (const entry of group) {
        try {
          settle(entry, (await ingestMessages(this.services, workspaceId, entry.messages)).storedIds);
        } catch (single) {
          entry.reject(single);
        }
      }
    }
  }
}
