// The load clients' POST: plain node:http over kept-alive connections. fetch() took a quarter of a
// core at 200 calls/s, CPU that on this two-core machine comes out of the server's share.
import http from 'node:http';

/** A poster for `url`: `post(body)` resolves whether the call answered 2xx (false on a network error too). */
export function keepAlivePost(url: URL, writeKey: string, maxSockets: number) {
  const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  return {
    post(body: string): Promise<boolean> {
      return new Promise((resolve) => {
        const request = http.request(
          url,
          {
            method: 'POST',
            agent,
            headers: {
              Authorization: auth,
              'Content-Type': 'application/json',
              'Content-Length': Buffer.byteLength(body),
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve((response.statusCode ?? 500) < 300));
          },
        );
        request.on('error', () => resolve(false));
        request.end(body);
      });
    },
    close(): void {
      agent.destroy();
    },
  };
}
