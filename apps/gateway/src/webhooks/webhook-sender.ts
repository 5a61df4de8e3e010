import type { LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';

/** One POST of a webhook; nothing else (no redirects followed: a 3xx is an answer like any other). */
export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The checked addresses of the url's host: the connection goes to these, never to a new lookup. */
  addresses: LookupAddress[];
  timeoutMs: number;
}

/** Sends a webhook and returns the receiver's status; a network error or the time limit throws. */
export function postWebhook({ url, headers, body, addresses, timeoutMs }: WebhookPost): Promise<number> {
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res: IncomingMessage) => {
        // The answer's body means nothing to us; it is read (and dropped) to free the socket.
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
