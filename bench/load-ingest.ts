// A separate load process: POSTs /v1/batch calls of 100 track events with N in flight, for S seconds.
// Prints one JSON line: { events, calls, errors, seconds }.
import { keepAlivePost } from './keep-alive-post';

const [url, key, seconds = '10', concurrency = '8', prefix = 'load'] = process.argv.slice(2);
const client = keepAlivePost(new URL('/v1/batch', url), key, Number(concurrency));
const deadline = Date.now() + Number(seconds) * 1000;
let events = 0;
let calls = 0;
let errors = 0;
let counter = 0;

async function worker(lane: number) {
  while (Date.now() < deadline) {
    const batch = Array.from({ length: 100 }, () => {
      const n = counter++;
      return {
        type: 'track',
        userId: `${prefix}-${lane}-${n % 5000}`,
        event: 'Product Viewed',
        messageId: `${prefix}-${lane}-${n}`,
        properties: { sku: `SKU-${n % 977}`, price: n % 100 },
      };
    });
    const ok = await client.post(JSON.stringify({ batch }));
    calls++;
    if (ok) events += batch.length;
    else errors++;
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: Number(concurrency) }, (_, lane) => worker(lane)));
client.close();
console.log(JSON.stringify({ events, calls, errors, seconds: (Date.now() - started) / 1000 }));
