// One HTTP request at a time from a benchmark script (node:http, so that the client's own cost
// stays small and steady): the answer's status, text, JSON (when it parses) and wall time in ms.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * `method url` with `body` (a string or Buffer; none for GET) over `agent` (e.g. a keep-alive
 * agent with maxSockets 1), answered as { status, text, json, ms }.
 */
export function httpRequest(url, { method = 'GET', body, headers = {}, agent, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, {
      method,
      agent,
      headers: {
        accept: 'application/json',
        ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }),
        ...headers,
      },
    });
    req.on('response', async (res) => {
      try {
        const chunks = [];
        for await (const c of res) chunks.push(c);
        const ms = performance.now() - t0;
        const buffer = Buffer.concat(chunks);
        const text = buffer.toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, text, json, buffer, ms });
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${method} ${url} timed out after ${timeoutMs} ms`)),
    );
    req.end(body);
  });
}

/** POST of a JSON body (a string), answered as httpRequest() does. */
export function postJson(url, body, agent) {
  return httpRequest(url, { method: 'POST', body, agent, headers: { 'content-type': 'application/json' } });
}
