import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../apps/gateway/src/config/app-config';
import { repoPath } from './observability-files';

// The `scale` profile of docker-compose.yml, checked without Docker: API replicas behind nginx,
// whose configuration passes what the gateway's routes need (uploads, server-sent events, long
// sync waits) to whichever replica.

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

const compose = parse(readFileSync(repoPath('docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const { services } = compose;
const nginx = readFileSync(repoPath('deploy/nginx/omnigate.conf'), 'utf8');

/** The value of an nginx directive in the file (the first), without its `;`. */
const directive = (name: string) => new RegExp(`^\\s*${name}\\s+([^;]+);`, 'm').exec(nginx)?.[1];

describe('docker-compose.yml: the scale profile', () => {
  it('runs several API replicas, configured as the API, behind a pinned nginx', () => {
    const replicas = services['api-replica']!;
    expect(replicas.profiles).toEqual(['scale']);
    expect(replicas.deploy!.replicas).toBeGreaterThanOrEqual(2);
    expect(replicas.environment).toMatchObject({ ROLE: 'api', BLOB_STORE: 's3', QUEUE_DRIVER: 'bullmq' });
    const env = Object.fromEntries(
      Object.entries(replicas.environment!).map(([k, v]) => [
        k,
        String(v).replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}/g, '$1'),
      ]),
    );
    const config = loadConfig(env);
    expect(config.http.trustProxy).toEqual(['uniquelocal']);
    const lb = services.lb!;
    expect(lb.profiles).toEqual(['scale']);
    expect(lb.image).toMatch(/^nginx:\d+\.\d+/);
    expect(lb.volumes).toContain('./deploy/nginx/omnigate.conf:/etc/nginx/conf.d/default.conf:ro');
    expect(lb.depends_on).toEqual({ 'api-replica': { condition: 'service_healthy' } });
  });

  it('balances over every replica the DNS names, re-resolved, with keep-alive', () => {
    expect(directive('resolver')).toMatch(/^127\.0\.0\.11 valid=\d+s/);
    expect(directive('server')).toBe('api-replica:3000 resolve');
    expect(directive('proxy_pass')).toBe('http://omnigate_api');
    expect(directive('proxy_http_version')).toBe('1.1');
  });

  it('streams uploads and events through, waits as long as a sync request, takes the body limit', () => {
    expect(directive('proxy_request_buffering')).toBe('off');
    expect(directive('proxy_buffering')).toBe('off');
    const seconds = (value: string | undefined) => Number(/^(\d+)s$/.exec(value ?? '')?.[1]);
    // The longest sync wait a request may ask for (timeoutMs ≤ 600,000).
    expect(seconds(directive('proxy_read_timeout'))).toBeGreaterThan(600);
    const defaults = loadConfig({});
    const mib = Number(/^(\d+)m$/.exec(directive('client_max_body_size') ?? '')?.[1]);
    expect(mib * 1024 * 1024).toBeGreaterThanOrEqual(defaults.http.maxBodyBytes);
  });
});
