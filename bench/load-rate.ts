// A separate load process: POSTs one /v1/track call at a steady rate for S seconds.
// Prints one JSON line: { sent, errors }.
export {};
const [url, key, event, rate = '200', seconds = '10'] = process.argv.slice(2);
const auth = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const total = Number(rate) * Number(seconds);
const started = Date.now();
let errors = 0;
const sends: Array<Promise<void>> = [];
for (let i = 0; i < total; i++) {
  const wait = started + (i * 1000) / Number(rate) - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  sends.push(fetch(`${url}/v1/track`, { method: 'POST', headers: { Authorization: auth, 'Content-Type': 'application/json' }, body: JSON.stringify({ userId: `lat-${i}`, event }) })
    .then(async (response) => { await response.arrayBuffer(); if (!response.ok) errors++; }, () => { errors++; }));
}
await Promise.all(sends);
console.log(JSON.stringify({ sent: total, errors }));
