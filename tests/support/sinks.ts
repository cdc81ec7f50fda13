// Real local servers that receive what Waymark sends: an SMTP server and an HTTP server.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  url: string;
  /** Every message received. Like a real SMTP server, the sink does not deduplicate on Message-ID. */
  messages: ParsedMail[];
  received: number;
  /** Logins the server saw, as "user:password". */
  logins: string[];
  /** Addresses the server refuses with 550, as a mailbox that does not exist. */
  rejectRecipients: Set<string>;
  /** When set, holds each message's "250 OK" until the promise it returns resolves. */
  holdAcknowledgement?: () => Promise<void>;
  /** Answers each message this many milliseconds late. */
  answerDelayMilliseconds: number;
  /** Stops listening and drops its connections (the port stays reserved for `start`). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  let port = 0;
  let server: SMTPServer;
  const sink: SmtpSink = {
    url: '',
    messages: [],
    received: 0,
    logins: [],
    rejectRecipients: new Set(),
    answerDelayMilliseconds: 0,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
    start: async () => {
      server = createServer();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      port = (server.server.address() as AddressInfo).port;
    },
    close: () => sink.stop(),
  };
  const createServer = () =>
    new SMTPServer({
      authOptional: true,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      // Closing the sink ends open sessions at once, as a server that goes down does.
      closeTimeout: 10,
      onAuth(auth, _session, callback) {
        sink.logins.push(`${auth.username}:${auth.password}`);
        callback(null, { user: auth.username });
      },
      onRcptTo(address, _session, callback) {
        if (sink.rejectRecipients.has(address.address))
          callback(Object.assign(new Error('5.1.1 no such mailbox'), { responseCode: 550 }));
        else callback();
      },
      onData(stream, _session, callback) {
        simpleParser(stream).then(async (mail) => {
          sink.received++;
          sink.messages.push(mail);
          if (sink.holdAcknowledgement) await sink.holdAcknowledgement();
          if (sink.answerDelayMilliseconds > 0)
            await new Promise((resolve) => setTimeout(resolve, sink.answerDelayMilliseconds));
          callback();
        }, callback);
      },
    });
  await sink.start();
  sink.url = `smtp://127.0.0.1:${port}`;
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
  /** Stops listening and drops its connections (the port stays reserved for `start`). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startHttpSink(): Promise<HttpSink> {
  const sink: HttpSink = {
    url: '',
    requests: [],
    processed: [],
    answers: [],
    stop: async () => {},
    start: async () => {},
    close: async () => {},
  };
  const keys = new Set<string>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', async () => {
      sink.requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
      });
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
  const port = (server.address() as AddressInfo).port;
  sink.url = `http://127.0.0.1:${port}`;
  sink.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  sink.stop = sink.close;
  sink.start = () => new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  return sink;
}
