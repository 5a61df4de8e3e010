import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../apps/gateway/src/config/app-config';
import {
  dashboardQueries,
  documentedMetrics,
  familyOf,
  promqlNames,
  readDashboard,
  repoPath,
  TARGET_LABELS,
} from './observability-files';

// The observability profile of docker-compose.yml, checked without Docker: the files parse, and
// what each names (services, ports, paths in the repository, metrics) exists.

interface Service {
  image?: string;
  build?: unknown;
  profiles?: string[];
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  tmpfs?: string[];
  depends_on?: string[] | Record<string, unknown>;
  healthcheck?: { test: string[] };
}

const readYaml = <T>(path: string): T => parse(readFileSync(path, 'utf8'), { merge: true }) as T;
const compose = readYaml<{ services: Record<string, Service> }>(repoPath('docker-compose.yml'));
const services = compose.services;
const PROFILE = 'observability';
const profiled = Object.keys(services).filter((name) => services[name]!.profiles?.includes(PROFILE));
/** The omnigate processes: the services built from this repository. */
const omnigate = Object.keys(services).filter((name) => services[name]!.build !== undefined);

/** Compose's interpolation of `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`, from `env`. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)-([^}]*))?\}/g,
    (whole, name: string | undefined, colon: string | undefined, fallback: string | undefined) => {
      if (whole === '$$') return '$';
      const set = env[name!];
      if (fallback === undefined) return set ?? '';
      return set === undefined || (colon === ':' && set === '') ? fallback : set;
    },
  );
}

/** The environment a service's process gets, with the host's `env` interpolated. */
function environmentOf(name: string, env: Record<string, string> = {}): Record<string, string> {
  const declared = services[name]!.environment ?? {};
  return Object.fromEntries(Object.entries(declared).map(([k, v]) => [k, interpolate(String(v), env)]));
}

/** The container ports a service publishes (`[host:]hostPort:containerPort`). */
function containerPorts(name: string): number[] {
  return (services[name]!.ports ?? []).map((p) => Number(String(p).split(':').pop()));
}

/** The repository file or folder a service's bind mounts put at `containerPath`, if any. */
function mountedFrom(name: string, containerPath: string): string | undefined {
  for (const volume of services[name]!.volumes ?? []) {
    const [source, target] = volume.split(':') as [string, string];
    if (!source.startsWith('.')) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return repoPath(source, relative(target, containerPath));
    }
  }
  return undefined;
}

/** `http://host:port/...` → the service it names and the port. */
function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

describe('docker-compose.yml: the observability profile', () => {
  it('adds Prometheus, Grafana and Jaeger, and nothing runs without it that needs them', () => {
    expect([...profiled].sort()).toEqual(['grafana', 'jaeger', 'prometheus']);
    expect([...omnigate].sort()).toEqual(['api-replica', 'batch-worker', 'gateway', 'worker']);
    for (const name of Object.keys(services)) {
      if (profiled.includes(name)) continue;
      const needs = services[name]!.depends_on ?? [];
      const names = Array.isArray(needs) ? needs : Object.keys(needs);
      expect(
        names.filter((n) => profiled.includes(n)),
        `${name} depends on a profile service`,
      ).toEqual([]);
    }
    for (const name of profiled) {
      // Pinned images: `up` a year later runs what was tested.
      expect(services[name]!.image, name).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+\.\d+$/);
    }
  });

  it('has Prometheus scrape every omnigate process, on the port it listens on', () => {
    const prometheus = services.prometheus!;
    const configFile = prometheus.command!.find((a) => a.startsWith('--config.file='))!.split('=')[1]!;
    const configPath = mountedFrom('prometheus', configFile);
    expect(configPath && existsSync(configPath), `${configFile} is mounted from the repository`).toBe(true);
    const config = readYaml<{
      scrape_configs: {
        metrics_path?: string;
        authorization?: { type: string; credentials_file: string };
        dns_sd_configs: { names: string[]; type: string; port: number }[];
        relabel_configs: { source_labels: string[]; target_label: string }[];
      }[];
    }>(configPath!);
    const [job] = config.scrape_configs;
    expect(config.scrape_configs).toHaveLength(1);
    expect(job!.metrics_path ?? '/metrics').toBe('/metrics');
    const targets = job!.dns_sd_configs.flatMap((sd) => sd.names.map((host) => ({ host, port: sd.port })));
    expect(targets.map((t) => t.host).sort()).toEqual([...omnigate].sort());
    for (const { host, port } of targets) {
      // What the process listens on, its configuration read as the gateway reads it.
      expect(port, host).toBe(loadConfig(environmentOf(host)).http.port);
      expect(services[host]!.healthcheck!.test.join(' '), host).toContain(`:${port}/`);
    }
    expect(job!.relabel_configs).toContainEqual(
      expect.objectContaining({ source_labels: ['__meta_dns_name'], target_label: 'service' }),
    );
  });

  it('gives Prometheus the metrics key in the file its configuration reads, written at each start', () => {
    const prometheus = services.prometheus!;
    const config = readYaml<{
      scrape_configs: { authorization: { type: string; credentials_file: string } }[];
    }>(mountedFrom('prometheus', '/etc/prometheus/prometheus.yml')!);
    const { type, credentials_file: file } = config.scrape_configs[0]!.authorization;
    expect(type).toBe('Bearer');
    // On a tmpfs of the service, from the variable the entrypoint prints, then Prometheus itself.
    expect(prometheus.tmpfs?.some((dir) => file.startsWith(`${dir}/`))).toBe(true);
    const script = prometheus.entrypoint!.join(' ');
    expect(script).toContain(`"$$OMNIGATE_METRICS_KEY" > ${file} && exec /bin/prometheus "$$@"`);
    expect(environmentOf('prometheus')).toEqual({ OMNIGATE_METRICS_KEY: '' });
    expect(environmentOf('prometheus', { OMNIGATE_METRICS_KEY: 'k' })).toEqual({ OMNIGATE_METRICS_KEY: 'k' });
  });

  it('traces the omnigate processes to Jaeger only when OMNIGATE_OTLP_ENDPOINT is set', () => {
    const endpoint = 'http://jaeger:4318';
    const names = new Set<string>();
    for (const name of omnigate) {
      // Without the variable (a plain `docker compose up`): tracing off.
      expect(loadConfig(environmentOf(name)).tracing, name).toBeUndefined();
      const tracing = loadConfig(environmentOf(name, { OMNIGATE_OTLP_ENDPOINT: endpoint })).tracing;
      expect(tracing?.url, name).toBe(`${endpoint}/v1/traces`);
      names.add(tracing!.serviceName);
    }
    expect(names.size, 'each process names itself').toBe(omnigate.length);
    const { host, port } = hostAndPort(endpoint);
    expect(profiled).toContain(host);
    expect(containerPorts(host)).toContain(port);
    // The value the docs and the compose file tell users to set.
    expect(readFileSync(repoPath('docs/observability.md'), 'utf8')).toContain(
      `OMNIGATE_OTLP_ENDPOINT=${endpoint}`,
    );
    expect(readFileSync(repoPath('docker-compose.yml'), 'utf8')).toContain(
      `OMNIGATE_OTLP_ENDPOINT=${endpoint}`,
    );
  });

  it("provisions Grafana's datasources and the dashboard from files of the repository", () => {
    const provisioning = mountedFrom('grafana', '/etc/grafana/provisioning');
    expect(provisioning && statSync(provisioning).isDirectory()).toBe(true);

    const datasourceFiles = readdirSync(`${provisioning}/datasources`);
    const datasources = datasourceFiles.flatMap(
      (f) =>
        readYaml<{ datasources: { type: string; url: string; isDefault?: boolean }[] }>(
          `${provisioning}/datasources/${f}`,
        ).datasources,
    );
    expect(datasources.map((d) => d.type).sort()).toEqual(['jaeger', 'prometheus']);
    expect(datasources.find((d) => d.type === 'prometheus')!.isDefault).toBe(true);
    for (const { type, url } of datasources) {
      const { host, port } = hostAndPort(url);
      expect(profiled, `${type}: ${url}`).toContain(host);
      expect(containerPorts(host), `${type}: ${url}`).toContain(port);
    }

    const providerFiles = readdirSync(`${provisioning}/dashboards`);
    const providers = providerFiles.flatMap(
      (f) =>
        readYaml<{ providers: { type: string; options: { path: string } }[] }>(
          `${provisioning}/dashboards/${f}`,
        ).providers,
    );
    expect(providers).toHaveLength(1);
    const dashboards = mountedFrom('grafana', providers[0]!.options.path);
    expect(dashboards && readdirSync(dashboards)).toContain('omnigate.json');
    const home = mountedFrom('grafana', environmentOf('grafana').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!);
    expect(home).toBe(repoPath('deploy/grafana/dashboards/omnigate.json'));
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = readDashboard() as unknown as {
    templating: { list: { name: string; type: string; query: unknown }[] };
    panels: { id: number; type: string; gridPos: { x: number; y: number; w: number; h: number } }[];
  };

  it('reads the names out of PromQL (the checks below rest on it)', () => {
    expect(
      promqlNames(
        'histogram_quantile(0.95, sum by (le, route) (rate(a_seconds_bucket{service=~"$s",status=~"5.."}[$__rate_interval]))) / ignoring (x) b_total or vector(0)',
      ),
    ).toEqual({
      metrics: ['a_seconds_bucket', 'b_total'],
      labels: ['service', 'status', 'le', 'route', 'x'],
    });
    expect(promqlNames('label_values(process_start_time_seconds, service)')).toEqual({
      metrics: ['process_start_time_seconds'],
      labels: ['service'],
    });
  });

  it('names only metric families and labels that docs/observability.md documents', () => {
    const documented = documentedMetrics();
    const types = new Map([...documented].map(([name, m]) => [name, m.type]));
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(30);
    const problems: string[] = [];
    for (const { where, expr } of queries) {
      const { metrics, labels } = promqlNames(expr);
      if (metrics.length === 0) problems.push(`${where}: no metric in ${expr}`);
      const allowed = new Set([...TARGET_LABELS, 'le']);
      for (const metric of metrics) {
        const family = familyOf(metric, types);
        if (!family) problems.push(`${where}: ${metric} is not a documented family`);
        else for (const label of documented.get(family)!.labels) allowed.add(label);
      }
      for (const label of labels) {
        if (!allowed.has(label))
          problems.push(`${where}: label ${label} is on none of ${metrics.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('queries one Prometheus datasource, the variable, in panels laid out without overlap', () => {
    const variable = dashboard.templating.list.find((v) => v.type === 'datasource');
    expect(variable).toMatchObject({ name: 'datasource', query: 'prometheus' });
    const text = readFileSync(repoPath('deploy/grafana/dashboards/omnigate.json'), 'utf8');
    const uids = new Set([...text.matchAll(/"uid": "([^"]*)"/g)].map((m) => m[1]));
    uids.delete('omnigate'); // the dashboard's own
    expect([...uids]).toEqual(['${datasource}']);

    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Map<string, number>();
    for (const { id, gridPos } of dashboard.panels) {
      expect(gridPos.x + gridPos.w, `panel ${id}`).toBeLessThanOrEqual(24);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          const other = cells.get(`${x},${y}`);
          expect(other, `panels ${other} and ${id} overlap`).toBeUndefined();
          cells.set(`${x},${y}`, id);
        }
      }
    }
  });
});
