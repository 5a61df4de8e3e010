import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** A path in the repository. */
export const repoPath = (...parts: string[]): string => resolve(__dirname, '..', ...parts);

/** A metric family as docs/observability.md's tables give it. */
export interface DocumentedMetric {
  type: string;
  labels: string[];
}

/** A table row `| \`name\` | type | \`label\`, ... | meaning |`. */
const METRIC_ROW = /^\| *`([a-zA-Z_:][a-zA-Z0-9_:]*)` *\| *(counter|gauge|histogram|summary) *\|([^|]*)\|/;

/** The metric families docs/observability.md documents, by name. */
export function documentedMetrics(
  markdown = readFileSync(repoPath('docs/observability.md'), 'utf8'),
): Map<string, DocumentedMetric> {
  const documented = new Map<string, DocumentedMetric>();
  for (const line of markdown.split('\n')) {
    const row = METRIC_ROW.exec(line);
    if (!row) continue;
    const labels = [...row[3]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    documented.set(row[1]!, { type: row[2]!, labels });
  }
  return documented;
}

/**
 * The family a series name belongs to, among `families` (name → type): itself, or for a
 * histogram's (or summary's) series the name without `_bucket`, `_sum` or `_count`.
 */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return name;
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (!suffix) return undefined;
  const base = name.slice(0, suffix.index);
  const type = families.get(base);
  if (type === 'histogram') return base;
  return type === 'summary' && suffix[1] !== 'bucket' ? base : undefined;
}

/** The labels Prometheus (job, instance) and the compose profile's relabelling (service) add to every series. */
export const TARGET_LABELS = ['job', 'instance', 'service'];

/** One PromQL query of the dashboard, and where it is. */
export interface DashboardQuery {
  where: string;
  expr: string;
}

interface Panel {
  title?: string;
  targets?: { expr?: string }[];
  panels?: Panel[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: string | { query?: string } }[] };
}

export const DASHBOARD_FILE = 'deploy/grafana/dashboards/omnigate.json';

export function readDashboard(): Dashboard {
  return JSON.parse(readFileSync(repoPath(DASHBOARD_FILE), 'utf8')) as Dashboard;
}

/** Every PromQL query of the dashboard: its panels' (rows' included) and its query variables'. */
export function dashboardQueries(dashboard: Dashboard = readDashboard()): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (target.expr) queries.push({ where: `panel "${panel.title}"`, expr: target.expr });
      }
      walk(panel.panels ?? []);
    }
  };
  walk(dashboard.panels);
  for (const variable of dashboard.templating.list) {
    if (variable.type !== 'query') continue;
    const expr = typeof variable.query === 'string' ? variable.query : variable.query?.query;
    if (expr) queries.push({ where: `variable $${variable.name}`, expr });
  }
  return queries;
}

const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right) *\(([^)]*)\)/g;
const KEYWORDS = new Set(['bool', 'offset', 'and', 'or', 'unless', 'inf', 'nan']);

/**
 * The metric (series) names and the label names a PromQL query (or Grafana's
 * `label_values(metric, label)`) names. Enough PromQL for the dashboard: selectors, groupings,
 * ranges, functions, aggregations and operators; string literals and template variables are
 * not names.
 */
export function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const labelValues = /^label_values\( *([a-zA-Z_:][a-zA-Z0-9_:]*) *, *([a-zA-Z_][a-zA-Z0-9_]*) *\)$/.exec(
    expr.trim(),
  );
  if (labelValues) return { metrics: [labelValues[1]!], labels: [labelValues[2]!] };
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const labels = new Set<string>();
  for (const selector of noStrings.matchAll(/\{([^}]*)\}/g)) {
    for (const m of selector[1]!.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*) *(?:=~|!~|!=|=)/g)) labels.add(m[1]!);
  }
  for (const grouping of noStrings.matchAll(GROUPING)) {
    for (const label of grouping[1]!.split(',')) if (label.trim()) labels.add(label.trim());
  }
  const bare = noStrings
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(GROUPING, ' ');
  const metrics = new Set<string>();
  for (const m of bare.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const next = bare.slice(m.index + m[0].length).trimStart()[0];
    // A function or an aggregation, a keyword, or the exponent of a number (1e3).
    if (next === '(' || KEYWORDS.has(m[0].toLowerCase()) || /[0-9.]/.test(bare[m.index - 1] ?? '')) continue;
    metrics.add(m[0]);
  }
  return { metrics: [...metrics], labels: [...labels] };
}

/** The label names of a sample key `name{a="x",b="y"}` (as test/metrics-samples.ts keys them). */
export function sampleLabels(key: string): { name: string; labels: string[] } {
  const brace = key.indexOf('{');
  if (brace < 0) return { name: key, labels: [] };
  const inside = key.slice(brace + 1, -1);
  const labels = [...inside.matchAll(/(?:^|",)([a-zA-Z_][a-zA-Z0-9_]*)="/g)].map((m) => m[1]!);
  return { name: key.slice(0, brace), labels };
}
