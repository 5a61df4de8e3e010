// Redis beyond one server for the tests: a three-master Redis Cluster, and a master behind a
// Sentinel, each a group of redis-server children of the test on free ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { freePort } from './free-port';

/** A Redis Cluster of three masters (no replicas), children of the test, on 127.0.0.1. */
export interface RedisCluster {
  /** The masters' ports. */
  ports: number[];
  /** `127.0.0.1:A,127.0.0.1:B,127.0.0.1:C`: what REDIS_CLUSTER_NODES takes. */
  nodes: string;
  /** Stops every node and removes their folder. */
  stop(): Promise<void>;
}

/** The keys matching `pattern` on every master of the cluster (KEYS: for tests' small clusters only). */
export async function clusterKeys(cluster: RedisCluster, pattern: string): Promise<string[]> {
  const client = new Cluster(cluster.ports.map((port) => ({ host: '127.0.0.1', port })));
  try {
    await new Promise((ready) => client.once('ready', ready));
    return (await Promise.all(client.nodes('master').map((n) => n.keys(pattern)))).flat();
  } finally {
    client.disconnect();
  }
}

/** A Sentinel watching one master, both children of the test, on 127.0.0.1. */
export interface RedisSentinel {
  /** `127.0.0.1:S`: what REDIS_SENTINELS takes. */
  sentinels: string;
  /** The master group's name: what REDIS_SENTINEL_NAME takes. */
  name: string;
  /** The master's port (the gateway is never told it: it asks the Sentinel). */
  masterPort: number;
  stop(): Promise<void>;
}

const cli = (port: number, ...args: string[]) =>
  spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8', timeout: 5000 });

async function until(what: string, ok: () => boolean, child?: ChildProcess[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const dead = child?.find((c) => c.exitCode !== null);
    if (dead) throw new Error(`${what}: redis-server exited with code ${dead.exitCode}`);
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: timed out`);
}

function spawnRedis(args: string[]): { child: ChildProcess; exited: Promise<void> } {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return { child, exited };
}

async function stopAll(
  children: { child: ChildProcess; exited: Promise<void> }[],
  dir: string,
): Promise<void> {
  for (const { child } of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await Promise.all(children.map((c) => c.exited));
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Starts three `redis-server --cluster-enabled yes` on free ports (and free cluster-bus ports),
 * joins them with `redis-cli --cluster create`, and resolves once every node says
 * `cluster_state:ok`. About a second.
 */
export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-redis-cluster-'));
  const ports: number[] = [];
  const children: { child: ChildProcess; exited: Promise<void> }[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      children.push(
        spawnRedis([
          '--port', String(port),
          '--cluster-port', String(busPort),
          '--bind', '127.0.0.1',
          '--cluster-enabled', 'yes',
          '--cluster-config-file', join(dir, `nodes-${port}.conf`),
          '--save', '',
          '--appendonly', 'no',
          '--dir', dir,
        ]), // prettier-ignore
      );
    }
    const all = children.map((c) => c.child);
    for (const port of ports)
      await until(`node ${port}`, () => cli(port, 'ping').stdout?.trim() === 'PONG', all);
    const create = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    if (create.status !== 0)
      throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
    for (const port of ports) {
      await until(
        `cluster_state on ${port}`,
        () => /cluster_state:ok/.test(cli(port, 'cluster', 'info').stdout ?? ''),
        all,
      );
    }
  } catch (err) {
    await stopAll(children, dir);
    throw err;
  }
  return {
    ports,
    nodes: ports.map((p) => `127.0.0.1:${p}`).join(','),
    stop: () => stopAll(children, dir),
  };
}

/**
 * Starts a master and one Sentinel that monitors it (`redis-server --sentinel`, quorum 1), and
 * resolves once the Sentinel names the master.
 */
export async function startRedisSentinel(name = 'omnigate-test'): Promise<RedisSentinel> {
  const dir = mkdtempSync(join(tmpdir(), 'omnigate-redis-sentinel-'));
  const children: { child: ChildProcess; exited: Promise<void> }[] = [];
  const [masterPort, sentinelPort] = [await freePort(), await freePort()];
  try {
    children.push(
      spawnRedis([
        '--port',
        String(masterPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
      ]),
    );
    await until('master', () => cli(masterPort, 'ping').stdout?.trim() === 'PONG', [children[0]!.child]);
    // A Sentinel rewrites its configuration file: it must be a file of its own.
    const conf = join(dir, 'sentinel.conf');
    writeFileSync(
      conf,
      [
        `port ${sentinelPort}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${name} 5000`,
        '',
      ].join('\n'),
    );
    children.push(spawnRedis([conf, '--sentinel']));
    await until(
      'sentinel',
      () =>
        cli(sentinelPort, 'sentinel', 'get-master-addr-by-name', name).stdout?.includes(String(masterPort)) ??
        false,
      children.map((c) => c.child),
    );
  } catch (err) {
    await stopAll(children, dir);
    throw err;
  }
  return { sentinels: `127.0.0.1:${sentinelPort}`, name, masterPort, stop: () => stopAll(children, dir) };
}
