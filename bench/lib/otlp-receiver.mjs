// The OTLP/HTTP receiver the tracing benches export to, in the bench's own process: a collector
// is elsewhere in a deployment, so this one decodes nothing.
import http from 'node:http';

/**
 * Answers 200 to every POST /v1/traces (404 to anything else), counting posts and bytes:
 * resolves { url, counts: { posts, bytes }, close() } once it listens on a free port of 127.0.0.1.
 */
export function startOtlpReceiver() {
  const counts = { posts: 0, bytes: 0 };
  const server = http.createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c) => (bytes += c.length));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        counts.posts++;
        counts.bytes += bytes;
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      } else res.writeHead(404).end();
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        counts,
        close: () => new Promise((r) => server.close(r)),
      }),
    );
  });
}
