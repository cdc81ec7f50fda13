// A separate load process: POSTs /v1/batch calls of 100 track events with N in flight, for S seconds.
// Prints one JSON line: { events, calls, errors, seconds }. Plain node:http over kept-alive
// connections, as load-rate.ts: the client's CPU comes out of the same two cores as the server's.
import http from 'node:http';

const [url, key, seconds = '10', concurrency = '8', prefix = 'load'] = process.argv.slice(2);
const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const target = new URL('/v1/batch', url);
const deadline = Date.now() + Number(seconds) * 1000;
let events = 0;
let calls = 0;
let errors = 0;
let counter = 0;

function post(body: string): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.request(target, { method: 'POST', agent, headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve((response.statusCode ?? 500) < 300));
    });
    request.on('error', () => resolve(false));
    request.end(body);
  });
}

async function worker(lane: number) {
  while (Date.now() < deadline) {
    const batch = Array.from({ length: 100 }, () => {
      const n = counter++;
      return { type: 'track', userId: `${prefix}-${lane}-${n % 5000}`, event: 'Product Viewed', messageId: `${prefix}-${lane}-${n}`, properties: { sku: `SKU-${n % 977}`, price: n % 100 } };
    });
    const ok = await post(JSON.stringify({ batch }));
    calls++;
    if (ok) events += batch.length;
    else errors++;
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: Number(concurrency) }, (_, lane) => worker(lane)));
agent.destroy();
console.log(JSON.stringify({ events, calls, errors, seconds: (Date.now() - started) / 1000 }));
