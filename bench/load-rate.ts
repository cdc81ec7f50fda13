// A separate load process: POSTs one /v1/track call at a steady rate for S seconds.
// Prints one JSON line: { sent, errors }. Plain node:http over kept-alive connections: the
// client's own CPU use (fetch took a quarter of a core at 200 calls/s) would otherwise be taken
// from the server on this two-core machine.
import http from 'node:http';

const [url, key, event, rate = '200', seconds = '10'] = process.argv.slice(2);
const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const target = new URL('/v1/track', url);
const total = Number(rate) * Number(seconds);
const started = Date.now();
let errors = 0;

function post(body: string): Promise<void> {
  return new Promise((resolve) => {
    const request = http.request(target, { method: 'POST', agent, headers: { Authorization: auth, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => { if ((response.statusCode ?? 500) >= 300) errors++; resolve(); });
    });
    request.on('error', () => { errors++; resolve(); });
    request.end(body);
  });
}

const sends: Array<Promise<void>> = [];
for (let i = 0; i < total; i++) {
  const wait = started + (i * 1000) / Number(rate) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  sends.push(post(JSON.stringify({ userId: `lat-${i}`, event })));
}
await Promise.all(sends);
agent.destroy();
console.log(JSON.stringify({ sent: total, errors }));
