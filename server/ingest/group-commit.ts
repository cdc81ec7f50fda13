// Group commit for ingest: calls that arrive while transactions are in flight are stored
// together in the next one, so 200 single-event calls a second cost a few transactions, not 200.
// A few groups are in flight at once (the database works on one while the server prepares the
// next), but never two that name the same customer id: a customer's calls are stored in the
// order they arrived. A group that fails is retried call by call, so one bad call never fails
// the others.
import { randomUUID } from 'node:crypto';
import type PgBoss from 'pg-boss';
import type { Database } from '../db/database';
import { customerKeys, ingestMessages } from './ingest-messages';
import type { SegmentMessage } from './segment-messages';

interface Pending {
  messages: SegmentMessage[];
  /** When the call arrived. */
  receivedAt: Date;
  /** Every customer id the call names; two groups that share one are never in flight together. */
  keys: Set<string>;
  resolve(result: { stored: number; duplicates: number }): void;
  reject(error: unknown): void;
}

const maxGroup = 2000;

export class IngestGroupCommitter {
  private queues = new Map<string, Pending[]>();
  /** Per workspace, the customer ids of each group in flight. */
  private inFlight = new Map<string, Array<Set<string>>>();

  constructor(
    private readonly services: { db: Database; boss: PgBoss },
    private readonly maxInFlight = 3,
  ) {}

  submit(
    workspaceId: string,
    messages: SegmentMessage[],
    receivedAt = new Date(),
  ): Promise<{ stored: number; duplicates: number }> {
    // Every message gets its id here, so the caller can tell which of its own were stored.
    const withIds = messages.map((message) =>
      message.messageId ? message : { ...message, messageId: randomUUID() },
    );
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(workspaceId) ?? [];
      queue.push({ messages: withIds, receivedAt, keys: customerKeys(withIds), resolve, reject });
      this.queues.set(workspaceId, queue);
      this.pump(workspaceId);
    });
  }

  /** Starts groups from the head of the queue while there is room and their customers are free. */
  private pump(workspaceId: string): void {
    const queue = this.queues.get(workspaceId);
    const flying = this.inFlight.get(workspaceId) ?? [];
    while (queue && queue.length > 0 && flying.length < this.maxInFlight) {
      const busy = (keys: Set<string>) => flying.some((held) => [...keys].some((key) => held.has(key)));
      const group: Pending[] = [];
      const keys = new Set<string>();
      let size = 0;
      // In arrival order; the first call whose customers are busy stops the group, so no later
      // call overtakes it.
      while (
        queue.length > 0 &&
        (group.length === 0 || size + queue[0].messages.length <= maxGroup) &&
        !busy(queue[0].keys)
      ) {
        const next = queue.shift()!;
        size += next.messages.length;
        for (const key of next.keys) keys.add(key);
        group.push(next);
      }
      if (group.length === 0) break;
      flying.push(keys);
      this.inFlight.set(workspaceId, flying);
      void this.store(workspaceId, group).finally(() => {
        flying.splice(flying.indexOf(keys), 1);
        if (flying.length === 0) this.inFlight.delete(workspaceId);
        if (queue.length === 0 && this.queues.get(workspaceId) === queue && flying.length === 0)
          this.queues.delete(workspaceId);
        this.pump(workspaceId);
      });
    }
  }

  private async store(workspaceId: string, group: Pending[]): Promise<void> {
    const settle = (entry: Pending, storedIds: Set<string>) => {
      // A messageId twice in one call is stored once: the second is a duplicate.
      const stored = new Set(
        entry.messages.map((message) => message.messageId!).filter((id) => storedIds.has(id)),
      ).size;
      entry.resolve({ stored, duplicates: entry.messages.length - stored });
    };
    try {
      const outcome = await ingestMessages(
        this.services,
        workspaceId,
        group.flatMap((entry) => entry.messages),
        group.flatMap((entry) => entry.messages.map(() => entry.receivedAt)),
      );
      for (const entry of group) settle(entry, outcome.storedIds);
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      for (const entry of group) {
        try {
          settle(
            entry,
            (await ingestMessages(this.services, workspaceId, entry.messages, entry.receivedAt)).storedIds,
          );
        } catch (single) {
          entry.reject(single);
        }
      }
    }
  }
}
