// s3rver (the S3-speaking dev server the tests use) for bench/scale.mjs, in a child process of its
// own so that its CPU is not the bench's, counting the S3 requests it serves by operation. s3rver
// logs each request when not silent, but parsing a log is fragile: this listens on its HTTP
// server's 'request' event instead, which sees every request before Koa routes it.
//   node bench/servers/s3rver-counting.mjs --port P --control-port C --dir DIR --bucket NAME
// Answers on 127.0.0.1:C: GET /counts → { total, byOp: { PutObject: n, … } }; POST /reset zeroes
// them. Prints `ready` once both servers listen; stops on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import S3rver from 's3rver';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'control-port': { type: 'string' },
    dir: { type: 'string' },
    bucket: { type: 'string' },
  },
});
for (const name of ['port', 'control-port', 'dir', 'bucket']) {
  if (!values[name]) throw new Error(`--${name} is required`);
}

/**
 * The S3 operation of a request, from its method and query (path-style URLs: /bucket/key); enough
 * to tell the requests a blob store makes apart, not a full S3 router.
 */
function operation(method, url) {
  const { pathname, searchParams: q } = new URL(url, 'http://s3');
  const isObject = pathname.split('/').filter(Boolean).length > 1;
  if (!isObject) {
    if (method === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListBucket';
    if (method === 'POST' && q.has('delete')) return 'DeleteObjects';
    return `${method} bucket`;
  }
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (method === 'PUT' && q.has('partNumber')) return 'UploadPart';
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (q.has('tagging')) return `${method === 'GET' ? 'Get' : 'Put'}ObjectTagging`;
  return (
    { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method] ??
    `${method} object`
  );
}

let byOp = {};
let total = 0;
const s3 = new S3rver({
  port: Number(values.port),
  address: '127.0.0.1',
  silent: true,
  directory: values.dir,
  configureBuckets: [{ name: values.bucket }],
});
await s3.run();
s3.httpServer.on('request', (req) => {
  const op = operation(req.method, req.url);
  byOp[op] = (byOp[op] ?? 0) + 1;
  total++;
});

const control = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/reset') {
    byOp = {};
    total = 0;
    res.writeHead(204).end();
  } else if (req.method === 'GET' && req.url === '/counts') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ total, byOp }));
  } else res.writeHead(404).end();
});
await new Promise((resolve) => control.listen(Number(values['control-port']), '127.0.0.1', resolve));
console.log('ready');

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    control.close();
    s3.close().then(() => process.exit(0));
  });
}
