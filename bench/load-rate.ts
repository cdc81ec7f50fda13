// A separate load process: POSTs one /v1/track call at a steady rate for S seconds.
// Prints one JSON line: { sent, errors }.
import { keepAlivePost } from './keep-alive-post';

const [url, key, event, rate = '200', seconds = '10'] = process.argv.slice(2);
const client = keepAlivePost(new URL('/v1/track', url), key, 64);
const total = Number(rate) * Number(seconds);
const started = Date.now();
let errors = 0;

const sends: Array<Promise<void>> = [];
for (let i = 0; i < total; i++) {
  const wait = started + (i * 1000) / Number(rate) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  sends.push(
    client.post(JSON.stringify({ userId: `lat-${i}`, event })).then((ok) => {
      if (!ok) errors++;
    }),
  );
}
await Promise.all(sends);
client.close();
console.log(JSON.stringify({ sent: total, errors }));
