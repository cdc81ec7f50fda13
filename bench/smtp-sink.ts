// A local SMTP server for the delivery benchmark, in a process of its own: it takes every message
// (reading it to the end, not parsing it) and prints how many it has every 100 ms.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`port ${(server.server.address() as AddressInfo).port}\n`);
  setInterval(() => process.stdout.write(`received ${received}\n`), 100);
});
