// No-op relay adapters for bench/routes.mjs (ADAPTER_MODULES=./bench/adapters/relay.mjs), written
// the way a package outside this repo would be: plain JavaScript, no import of the gateway. Each
// one reads its text input and passes it on unchanged as a text part of its output modality, so
// that a route costs the gateway's per-hop work (queue, job record, job-scoped blobs) and nothing
// else. Cost hint 0, so the router never prefers a builtin over them; high concurrency, so that
// the adapter never queues behind itself.
//   task relay-one: text → text                                  (1 hop)
//   task relay-end: text → signal → image → text, the last hop    (3 hops; the first two are task relay)

const CONCURRENCY = 64;

/** A relay from one modality to another: its output is its input text, as the capability's output modality. */
function relay(id, task, from, to) {
  return {
    descriptor: {
      id,
      version: '1.0.0',
      description: `no-op relay ${from} → ${to} (benchmark)`,
      capabilities: [{ task, inputs: [from], output: to }],
      costHint: 0,
      concurrency: CONCURRENCY,
    },
    async invoke(request, context) {
      const text = (await context.blobs.read(request.inputs[0].blobId)).toString('utf8');
      return { outputs: [{ modality: to, mediaType: 'text/plain', text }] };
    },
  };
}

export function createAdapters() {
  return [
    relay('bench.relay-one', 'relay-one', 'text', 'text'),
    relay('bench.relay-a', 'relay', 'text', 'signal'),
    relay('bench.relay-b', 'relay', 'signal', 'image'),
    relay('bench.relay-end', 'relay-end', 'image', 'text'),
  ];
}
