import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hook */
  url: string;
  deliveries: Delivery[];
  server: Server;
}

/**
 * A webhook receiver on loopback. With `failFirst`, each delivery id's first try is refused with
 * 500 (the sender must retry); every other try is accepted.
 */
export async function startWebhookReceiver({ failFirst = false } = {}): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const tries = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const id = String(req.headers['x-omnigate-delivery']);
      const n = (tries.get(id) ?? 0) + 1;
      tries.set(id, n);
      const status = failFirst && n === 1 ? 500 : 200;
      deliveries.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, deliveries, server };
}
