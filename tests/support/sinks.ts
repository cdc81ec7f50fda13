// Real local servers that receive what Waymark sends: an SMTP server and an HTTP server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  url: string;
  /** Every message received, deduped on Message-ID as a provider does with an idempotency key. */
  messages: ParsedMail[];
  received: number;
  /** Logins the server saw, as "user:password". */
  logins: string[];
  /** Addresses the server refuses with 550, as a mailbox that does not exist. */
  rejectRecipients: Set<string>;
  /** When set, holds each message's "250 OK" until the promise it returns resolves. */
  holdAcknowledgement?: () => Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  const seen = new Set<string>();
  const sink: SmtpSink = { url: '', messages: [], received: 0, logins: [], rejectRecipients: new Set(), close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      sink.logins.push(`${auth.username}:${auth.password}`);
      callback(null, { user: auth.username });
    },
    onRcptTo(address, _session, callback) {
      if (sink.rejectRecipients.has(address.address)) callback(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }));
      else callback();
    },
    onData(stream, _session, callback) {
      simpleParser(stream).then(async (mail) => {
        sink.received++;
        if (!seen.has(mail.messageId ?? '')) {
          seen.add(mail.messageId ?? '');
          sink.messages.push(mail);
        }
        if (sink.holdAcknowledgement) await sink.holdAcknowledgement();
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${port}`;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}

export interface HttpSink {
  url: string;
  requests: Array<{ method: string; path: string; headers: http.IncomingHttpHeaders; body: string }>;
  /** Requests acted on, deduped on the Idempotency-Key header as a provider does. */
  processed: Array<{ path: string; body: string; idempotencyKey: string }>;
  /** When set, holds each answer until the promise it returns resolves (the request is already processed). */
  holdResponse?: () => Promise<void>;
  /** Status codes to answer with, in order; 200 once they run out. */
  answers: number[];
  responseBody?: string;
  close(): Promise<void>;
}

export async function startHttpSink(): Promise<HttpSink> {
  const sink: HttpSink = { url: '', requests: [], processed: [], answers: [], close: async () => {} };
  const keys = new Set<string>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', async () => {
      sink.requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body });
      const idempotencyKey = String(request.headers['idempotency-key'] ?? '');
      if (!keys.has(idempotencyKey)) {
        keys.add(idempotencyKey);
        sink.processed.push({ path: request.url ?? '', body, idempotencyKey });
      }
      if (sink.holdResponse) await sink.holdResponse();
      if (response.destroyed) return;
      response.writeHead(sink.answers.shift() ?? 200, { 'Content-Type': 'application/json' });
      response.end(sink.responseBody ?? '{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return sink;
}
