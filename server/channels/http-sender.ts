// HTTP delivery: webhooks to other systems (signed, SSRF-checked, never following redirects) and
// the configurable HTTP adapter for SMS and push providers.
import http from 'node:http';
import https from 'node:https';
import { checkedAddress } from './network-guard';
import { hmacSignature } from './signing';

export interface HttpDelivery {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  idempotencyKey: string;
  signingSecret?: string;
  allowHosts: readonly string[];
  timeoutSeconds: number;
}

export interface HttpOutcome {
  status: number;
  body: string;
}

export class RetryableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryableError';
  }
}

/**
 * The provider is not taking messages now (unreachable, timed out, 5xx, 429, SMTP 4xx): delivery
 * pauses it and keeps its messages. `handed`: the message may have reached it before the failure.
 */
export class ProviderDownError extends Error {
  constructor(
    message: string,
    readonly handed: boolean,
  ) {
    super(message);
    this.name = 'ProviderDownError';
  }
}

const maxResponse = 64 * 1024;
/** Connections kept open between messages to the same provider. */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 32 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 32 }),
};

export async function deliverHttp(delivery: HttpDelivery): Promise<HttpOutcome> {
  const url = new URL(delivery.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`only http and https targets are allowed, not ${url.protocol}`);
  const target = await checkedAddress(url.hostname, delivery.allowHosts);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Waymark-Webhook/1',
    'idempotency-key': delivery.idempotencyKey,
    ...Object.fromEntries(
      Object.entries(delivery.headers).map(([name, value]) => [name.toLowerCase(), value]),
    ),
  };
  if (delivery.signingSecret) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    headers['x-waymark-timestamp'] = timestamp;
    headers['x-waymark-signature'] = hmacSignature(delivery.signingSecret, `${timestamp}.${delivery.body}`);
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<HttpOutcome>((resolve, reject) => {
    const request = client.request(
      {
        method: delivery.method,
        hostname: url.hostname,
        port: url.port || (url.protocol === 'https:' ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        headers,
        servername: url.hostname,
        agent: agents[url.protocol as 'http:' | 'https:'],
        // Connect to the address that was checked, not to a fresh DNS answer.
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all)
            (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
              target,
            ]);
          else callback(null, target.address, target.family);
        },
        timeout: delivery.timeoutSeconds * 1000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          if (body.length < maxResponse) body += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: body.slice(0, maxResponse) }),
        );
      },
    );
    request.on('timeout', () =>
      request.destroy(new RetryableError(`no answer within ${delivery.timeoutSeconds} s`)),
    );
    request.on('error', (error) =>
      reject(
        error instanceof RetryableError
          ? error
          : new RetryableError(`could not reach ${url.host}: ${error.message}`),
      ),
    );
    request.end(delivery.method === 'GET' ? undefined : delivery.body);
  });
}
