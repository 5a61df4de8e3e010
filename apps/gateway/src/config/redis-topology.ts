/** A Redis node's address. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * How the gateway reaches Redis: one server at REDIS_URL (default), a Redis Cluster from its
 * seed nodes (REDIS_CLUSTER_NODES), or the master a group of Sentinels names (REDIS_SENTINELS +
 * REDIS_SENTINEL_NAME). With a cluster or Sentinels, REDIS_URL's host and port are not used; its
 * user, password, database (Sentinel only: a cluster has one) and scheme (`rediss:` for TLS)
 * still apply to the data nodes, so the secret stays in one variable.
 */
export type RedisTopology =
  | { kind: 'single' }
  | { kind: 'cluster'; nodes: RedisNode[] }
  | { kind: 'sentinel'; sentinels: RedisNode[]; name: string; sentinelPassword?: string };

/** Nodes one variable may list: a seed list, not an inventory. */
const MAX_NODES = 64;

/** `host:port` or `[v6]:port`; no backtracking (one bounded class each side of the last colon). */
const NODE = /^(?:\[([0-9A-Fa-f:.]{2,45})\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/;

/** Parses a comma list of `host:port`; throws with `name` and the bad entry. */
function parseNodes(name: string, value: string): RedisNode[] {
  const entries = value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) throw new Error(`${name}: list at least one host:port`);
  if (entries.length > MAX_NODES)
    throw new Error(`${name}: at most ${MAX_NODES} nodes, not ${entries.length}`);
  return entries.map((entry) => {
    const m = NODE.exec(entry);
    const port = Number(m?.[3]);
    if (!m || port < 1 || port > 65535) {
      throw new Error(`${name}: "${entry.slice(0, 80)}" is not host:port (e.g. 10.0.0.5:6379)`);
    }
    return { host: m[1] ?? m[2]!, port };
  });
}

/** The Redis topology from the environment; throws with the variable's name (the caller adds the prefix). */
export function redisTopologyFromEnv(env: NodeJS.ProcessEnv): RedisTopology {
  const get = (name: string) => (env[name] === undefined || env[name]!.trim() === '' ? undefined : env[name]);
  const clusterNodes = get('REDIS_CLUSTER_NODES');
  const sentinels = get('REDIS_SENTINELS');
  const name = get('REDIS_SENTINEL_NAME');
  const sentinelPassword = get('REDIS_SENTINEL_PASSWORD');
  if (clusterNodes !== undefined && sentinels !== undefined) {
    throw new Error('REDIS_CLUSTER_NODES and REDIS_SENTINELS: set one of them (a cluster, or Sentinels)');
  }
  if (clusterNodes !== undefined)
    return { kind: 'cluster', nodes: parseNodes('REDIS_CLUSTER_NODES', clusterNodes) };
  if (sentinels === undefined) {
    for (const orphan of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD']) {
      if (get(orphan) !== undefined) throw new Error(`${orphan} is set but REDIS_SENTINELS is not`);
    }
    return { kind: 'single' };
  }
  if (name === undefined) {
    throw new Error(
      'REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the master group the Sentinels monitor)',
    );
  }
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(name)) {
    throw new Error('REDIS_SENTINEL_NAME: letters, digits, ".", "_" and "-" only (at most 128)');
  }
  return {
    kind: 'sentinel',
    sentinels: parseNodes('REDIS_SENTINELS', sentinels),
    name,
    ...(sentinelPassword !== undefined ? { sentinelPassword } : {}),
  };
}
