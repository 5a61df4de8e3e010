// (a) Bare Fastify: parse the /v1/infer JSON body, validate it with the contracts' zod
// InferRequestSchema, answer a completed result of omnigate's shape. No queue, no blobs.
import Fastify from 'fastify';
import { badRequest, completed, echo, loadContracts, newRecord } from '../lib/shared.mjs';

const { InferRequestSchema } = loadContracts();
const app = Fastify({ logger: false });

app.get('/health/ready', async () => ({ status: 'ok', queue: 'none' }));

app.post('/v1/infer', async (req, reply) => {
  const parsed = InferRequestSchema.safeParse(req.body);
  if (!parsed.success) return badRequest(reply, parsed.error);
  const record = newRecord(parsed.data);
  const startedAt = Date.now();
  const result = echo(record.text);
  return reply.send(completed(record, result, startedAt, Date.now()));
});

await app.listen({ port: Number(process.env.PORT), host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGTERM', 'SIGINT'])
  process.once(signal, () => app.close().then(() => process.exit(0)));
