// POST /v1/identify|track|page|screen|group|alias|batch — compatible with the Segment HTTP
// Tracking API, so existing Segment and RudderStack clients work pointed at Waymark.
import type http from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { Services } from '../services';
import { IngestGroupCommitter } from './group-commit';
import { RateLimiter } from './rate-limiter';
import { messageSchemas, parseMessage, type MessageError, type MessageType, type SegmentMessage } from './segment-messages';
import { authenticateWriteKey } from './write-keys';

const gunzip = promisify(zlib.gunzip);

/** As the Segment API documents: 32 KB a call, 500 KB a batch. */
export const singleLimitBytes = 32 * 1024;
export const batchLimitBytes = 500 * 1024;

class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly extra: Record<string, unknown> = {}) {
    super(message);
  }
}

function send(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
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
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || (error as Error).message.includes('Cannot create a Buffer larger')) {
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
  if (body && typeof body === 'object' && typeof (body as { writeKey?: unknown }).writeKey === 'string') return (body as { writeKey: string }).writeKey;
  return null;
}

export function createIngestHandler(services: Services, options: { requestsPerSecond?: number } = {}) {
  const limiter = new RateLimiter(options.requestsPerSecond ?? 1000);
  const committer = new IngestGroupCommitter(services);

  return async function handleIngest(request: http.IncomingMessage, response: http.ServerResponse, path: string): Promise<void> {
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
      const type = path.slice('/v1/'.length);
      if (type !== 'batch' && !(type in messageSchemas)) throw new HttpError(404, `unknown endpoint /v1/${type}`);
      if (request.method !== 'POST') throw new HttpError(405, 'use POST');
      const body = await readBody(request, type === 'batch' ? batchLimitBytes : singleLimitBytes);
      const key = writeKeyFrom(request, body);
      const workspaceId = key ? await authenticateWriteKey(services.db, key) : null;
      if (!workspaceId) throw new HttpError(401, key ? 'unknown or revoked write key' : 'a write key is required (HTTP Basic auth, key as user name)');
      const wait = limiter.take(key!);
      if (wait > 0) {
        send(response, 429, { success: false, error: 'too many requests for this write key' }, { 'Retry-After': String(wait) });
        return;
      }

      const good: SegmentMessage[] = [];
      const rejected: MessageError[] = [];
      if (type === 'batch') {
        const batch = (body as { batch?: unknown }).batch;
        if (!Array.isArray(batch)) throw new HttpError(400, 'batch: expected an array of messages', { errors: [{ field: 'batch', message: 'expected an array of messages' }] });
        const shared = body as { context?: Record<string, unknown>; integrations?: Record<string, unknown> };
        batch.forEach((item, index) => {
          const merged = item && typeof item === 'object' && !Array.isArray(item)
            ? { ...item, context: { ...(shared.context ?? {}), ...((item as { context?: object }).context ?? {}) } }
            : item;
          const parsed = parseMessage(merged);
          if (parsed.ok) good.push(parsed.message);
          else rejected.push({ index, messageId: (item as { messageId?: string })?.messageId, errors: parsed.errors });
        });
        if (good.length === 0 && rejected.length > 0) throw new HttpError(400, 'no message in the batch is valid', { rejected });
      } else {
        const parsed = parseMessage(body, type as MessageType);
        if (!parsed.ok) throw new HttpError(400, `invalid ${type} call: ${parsed.errors.map((e) => `${e.field || 'body'}: ${e.message}`).join('; ')}`, { errors: parsed.errors });
        good.push(parsed.message);
      }

      const outcome = await committer.submit(workspaceId, good, receivedAt);
      send(response, 200, { success: true, accepted: good.length, stored: outcome.stored, duplicates: outcome.duplicates, ...(rejected.length ? { rejected } : {}) });
    } catch (error) {
      if (error instanceof HttpError) {
        send(response, error.status, { success: false, error: error.message, ...error.extra });
        return;
      }
      // The transaction rolled back: nothing of this call was stored, and the client should retry.
      console.error('[ingest]', (error as Error).message);
      send(response, 503, { success: false, error: 'temporarily unavailable; nothing was stored, please retry' }, { 'Retry-After': '1' });
    }
  };
}
