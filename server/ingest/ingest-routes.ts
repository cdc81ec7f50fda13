// POST /v1/identify|track|page|screen|group|alias|batch — compatible with the Segment HTTP
// Tracking API, so existing Segment and RudderStack clients work pointed at Waymark; and the
// browser library's /v1/t|p|i|g|a|s|b (text/plain, the write key in the body, CORS).
// Every message is checked before anything is written (message-limits.ts); a message that still
// cannot be stored is named and the others are stored: a batch never fails for one bad message.
import type http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Services } from '../services';
import { IngestGroupCommitter } from './group-commit';
import { RateLimiter } from './rate-limiter';
import { ingestMessages } from '../metrics';
import { storableProblem, storableTime } from './message-limits';
import {
  messageSchemas,
  occurredAtOf,
  parseMessage,
  type MessageError,
  type MessageType,
  type SegmentMessage,
} from './segment-messages';
import { writeKeyFor } from './write-keys';

const gunzip = promisify(zlib.gunzip);

/** As the Segment API documents: 32 KB a call, 500 KB a batch. */
export const singleLimitBytes = 32 * 1024;
export const batchLimitBytes = 500 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function send(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Cache-Control': 'no-store',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

async function readBody(request: http.IncomingMessage, limit: number): Promise<unknown> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > limit * 4) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit * 4) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  let body = Buffer.concat(chunks);
  const encoding = String(request.headers['content-encoding'] ?? '').toLowerCase();
  if (encoding === 'gzip') {
    try {
      body = await gunzip(body, { maxOutputLength: limit + 1 });
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' ||
        (error as Error).message.includes('Cannot create a Buffer larger')
      ) {
        throw new HttpError(413, `the request body is larger than ${limit} bytes`);
      }
      throw new HttpError(400, 'the body is not valid gzip');
    }
  } else if (encoding && encoding !== 'identity') {
    throw new HttpError(415, `unsupported Content-Encoding "${encoding}" (use gzip or none)`);
  }
  if (body.length > limit) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function writeKeyFrom(request: http.IncomingMessage, body: unknown): string | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
    const key = decoded.split(':')[0];
    if (key) return key;
  }
  if (body && typeof body === 'object' && typeof (body as { writeKey?: unknown }).writeKey === 'string')
    return (body as { writeKey: string }).writeKey;
  return null;
}

/** The browser library's short paths. */
const browserPaths: Record<string, MessageType | 'batch'> = {
  t: 'track',
  p: 'page',
  i: 'identify',
  g: 'group',
  a: 'alias',
  s: 'screen',
  b: 'batch',
};

/** What the message at fault is told when it passed every check and still could not be stored. */
function dataError(error: unknown): string | undefined {
  const code = (error as { code?: unknown }).code;
  // SQLSTATE classes 22 (data exception) and 54 (program limit exceeded): the data, not the database.
  return typeof code === 'string' && /^(22|54)/.test(code) ? (error as Error).message : undefined;
}

/** Checks one message: what it cannot be stored with, field by field; else the parsed message. */
function checkMessage(
  input: unknown,
  receivedAt: Date,
  forcedType?: MessageType,
): { ok: true; message: SegmentMessage } | { ok: false; errors: Array<{ field: string; message: string }> } {
  const problem = storableProblem(input);
  if (problem) return { ok: false, errors: [problem] };
  const parsed = parseMessage(input, forcedType);
  if (!parsed.ok) return parsed;
  if (!storableTime(occurredAtOf(parsed.message, receivedAt).getTime())) {
    return {
      ok: false,
      errors: [
        {
          field: 'sentAt',
          message:
            "the time corrected for the client's clock (received − (sentAt − originalTimestamp)) falls outside the years 1900–9999",
        },
      ],
    };
  }
  return parsed;
}

export function createIngestHandler(services: Services, options: { requestsPerSecond?: number } = {}) {
  const limiter = new RateLimiter(options.requestsPerSecond ?? 1000);
  const committer = new IngestGroupCommitter(services);

  /**
   * Stores the messages together; when a statement fails on the data (a value PostgreSQL refuses
   * that the checks did not foresee), stores them one by one and names those at fault instead.
   */
  async function storeNaming(
    good: SegmentMessage[],
    positions: number[],
    rejected: MessageError[],
    workspaceId: string,
    receivedAt: Date,
  ): Promise<{ stored: number; duplicates: number }> {
    try {
      return await committer.submit(workspaceId, good, receivedAt);
    } catch (error) {
      if (!dataError(error)) throw error;
      const total = { stored: 0, duplicates: 0 };
      for (const [index, message] of good.entries()) {
        try {
          const one = await committer.submit(workspaceId, [message], receivedAt);
          total.stored += one.stored;
          total.duplicates += one.duplicates;
        } catch (single) {
          const reason = dataError(single);
          if (!reason) throw single;
          rejected.push({
            index: positions[index],
            messageId: message.messageId,
            errors: [{ field: '', message: `could not be stored: ${reason}` }],
          });
        }
      }
      return total;
    }
  }

  return async function handleIngest(
    request: http.IncomingMessage,
    response: http.ServerResponse,
    path: string,
  ): Promise<void> {
    const receivedAt = new Date();
    // Write keys are public and the browser SDKs post from any site.
    response.setHeader('Access-Control-Allow-Origin', '*');
    response.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Content-Encoding');
    response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    if (request.method === 'OPTIONS') {
      response.writeHead(204).end();
      return;
    }
    try {
      const name = path.slice('/v1/'.length);
      // Own properties only: /v1/__proto__ or /v1/constructor name nothing.
      const type = Object.hasOwn(browserPaths, name) ? browserPaths[name] : name;
      if (type !== 'batch' && !Object.hasOwn(messageSchemas, type))
        throw new HttpError(404, `unknown endpoint /v1/${name}`);
      if (request.method !== 'POST') throw new HttpError(405, 'use POST');
      const body = await readBody(request, type === 'batch' ? batchLimitBytes : singleLimitBytes);
      if (body === null || typeof body !== 'object' || Array.isArray(body))
        throw new HttpError(400, 'the body must be a JSON object', {
          errors: [{ field: '', message: 'expected a JSON object' }],
        });
      const key = writeKeyFrom(request, body);
      const found = key ? await writeKeyFor(services.db, key) : null;
      if (!found)
        throw new HttpError(
          401,
          key
            ? 'unknown or revoked write key'
            : 'a write key is required (HTTP Basic auth, key as user name)',
        );
      const workspaceId = found.workspaceId;
      // A key limited to the shop's own sites: a page elsewhere cannot send with it (a server
      // sends no Origin and is not limited).
      const origin = request.headers.origin;
      if (origin && found.allowedOrigins.length > 0 && !found.allowedOrigins.includes(origin)) {
        response.removeHeader('Access-Control-Allow-Origin');
        throw new HttpError(403, `origin ${origin} may not send with this write key`, {
          errors: [{ field: 'Origin', message: `expected one of ${found.allowedOrigins.join(', ')}` }],
        });
      }
      const wait = limiter.take(key!);
      if (wait > 0) {
        // Retry-After for HTTP clients; X-RateLimit-Reset (seconds) for the Segment libraries that read it.
        send(
          response,
          429,
          { success: false, error: 'too many requests for this write key' },
          { 'Retry-After': String(wait), 'X-RateLimit-Reset': String(wait) },
        );
        return;
      }

      const good: SegmentMessage[] = [];
      /** Each good message's index in the batch. */
      const positions: number[] = [];
      const rejected: MessageError[] = [];
      const messageIdOf = (item: unknown) => {
        const id = item && typeof item === 'object' ? (item as { messageId?: unknown }).messageId : undefined;
        return typeof id === 'string' && id.length <= 255 && !storableProblem(id) ? id : undefined;
      };
      if (type === 'batch') {
        const batch = (body as { batch?: unknown }).batch;
        if (!Array.isArray(batch))
          throw new HttpError(400, 'batch: expected an array of messages', {
            errors: [{ field: 'batch', message: 'expected an array of messages' }],
          });
        const shared = body as { context?: unknown; integrations?: unknown };
        const sharedContext =
          shared.context && typeof shared.context === 'object' && !Array.isArray(shared.context)
            ? shared.context
            : {};
        batch.forEach((item, index) => {
          const own =
            item && typeof item === 'object' && !Array.isArray(item)
              ? (item as { context?: unknown; integrations?: unknown })
              : undefined;
          const merged = own
            ? {
                ...own,
                context: {
                  ...sharedContext,
                  ...(own.context && typeof own.context === 'object' && !Array.isArray(own.context)
                    ? own.context
                    : {}),
                },
                ...(own.integrations === undefined && shared.integrations !== undefined
                  ? { integrations: shared.integrations }
                  : {}),
              }
            : item;
          const checked = checkMessage(merged, receivedAt);
          if (checked.ok) {
            good.push(checked.message);
            positions.push(index);
          } else rejected.push({ index, messageId: messageIdOf(item), errors: checked.errors });
        });
        if (good.length === 0 && rejected.length > 0)
          throw new HttpError(400, 'no message in the batch is valid', { rejected });
      } else {
        const checked = checkMessage(body, receivedAt, type as MessageType);
        if (!checked.ok)
          throw new HttpError(
            400,
            `invalid ${type} call: ${checked.errors.map((e) => `${e.field || 'body'}: ${e.message}`).join('; ')}`,
            { errors: checked.errors },
          );
        good.push(checked.message);
        positions.push(0);
      }

      const outcome = await storeNaming(good, positions, rejected, workspaceId, receivedAt);
      if (type !== 'batch' && rejected.length > 0)
        throw new HttpError(400, `invalid ${type} call: ${rejected[0].errors[0].message}`, {
          errors: rejected[0].errors,
        });
      ingestMessages.inc({ outcome: 'stored' }, outcome.stored);
      ingestMessages.inc({ outcome: 'duplicate' }, outcome.duplicates);
      ingestMessages.inc({ outcome: 'rejected' }, rejected.length);
      send(response, 200, {
        success: true,
        accepted: outcome.stored + outcome.duplicates,
        stored: outcome.stored,
        duplicates: outcome.duplicates,
        ...(rejected.length ? { rejected: rejected.sort((a, b) => a.index - b.index) } : {}),
      });
    } catch (error) {
      if (error instanceof HttpError) {
        send(response, error.status, { success: false, error: error.message, ...error.extra });
        return;
      }
      // The transaction rolled back: nothing of this call was stored, and the client should retry.
      console.error('[ingest]', (error as Error).message);
      send(
        response,
        503,
        { success: false, error: 'temporarily unavailable; nothing was stored, please retry' },
        { 'Retry-After': '1' },
      );
    }
  };
}
