// One HTTP request at a time from a benchmark script (node:http, so that the client's own cost
// stays small and steady): the answer's status, text, JSON (when it parses) and wall time in ms;
// or, for a streamed answer, its Server-Sent Events with the time each one arrived.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * `method url` with `body` (a string or Buffer; none for GET) over `agent` (e.g. a keep-alive
 * agent with maxSockets 1), answered as { status, headers, text, json, buffer, ms }.
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
        resolve({ status: res.statusCode, headers: res.headers, text, json, buffer, ms });
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

/**
 * POST of a JSON body (a string) whose answer is read as Server-Sent Events, as they arrive:
 * resolves { status, headers, events, text, ms } where `events` are the `data:` payloads in
 * order, each as { data, atMs } (ms after the request started, when the event's last byte came),
 * and `text` is the whole body (for a non-2xx answer's message).
 */
export function postSse(url, body, { agent, headers = {}, timeoutMs = 120_000 } = {}) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: {
        accept: 'text/event-stream',
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...headers,
      },
    });
    req.on('response', async (res) => {
      try {
        res.setEncoding('utf8');
        const events = [];
        let text = '';
        let pending = '';
        for await (const piece of res) {
          const atMs = performance.now() - t0;
          text += piece;
          pending += piece.replaceAll('\r\n', '\n');
          let end;
          while ((end = pending.indexOf('\n\n')) !== -1) {
            const lines = pending.slice(0, end).split('\n');
            pending = pending.slice(end + 2);
            const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart());
            if (data.length > 0) events.push({ data: data.join('\n'), atMs });
          }
        }
        resolve({ status: res.statusCode, headers: res.headers, events, text, ms: performance.now() - t0 });
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST ${url} timed out after ${timeoutMs} ms`)));
    req.end(body);
  });
}
