/**
 * The samples of a Prometheus text exposition: `name{labels}` → value, labels as written (in
 * prom-client's order). Comment and blank lines are skipped.
 */
export function samples(text: string): Map<string, number> {
  const found = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    found.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return found;
}

/** The metric families of a Prometheus text exposition, from its `# TYPE` lines: name → type. */
export function families(text: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('# TYPE ')) continue;
    const [name, type] = line.slice('# TYPE '.length).split(' ');
    found.set(name!, type!);
  }
  return found;
}
