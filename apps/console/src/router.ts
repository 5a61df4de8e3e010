import { signal } from '@preact/signals';

/** Where the console is: `#/<page>/<rest...>?<params>`, e.g. `#/jobs/abc` or `#/playground?in=image&out=text`. */
export interface Route {
  page: string;
  rest: string[];
  params: URLSearchParams;
}

function parse(hash: string): Route {
  const raw = hash.startsWith('#') ? hash.slice(1) : hash;
  const q = raw.indexOf('?');
  const path = q === -1 ? raw : raw.slice(0, q);
  const [page = '', ...rest] = path
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  return { page, rest, params: new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)) };
}

export const route = signal<Route>(parse(location.hash));
addEventListener('hashchange', () => {
  route.value = parse(location.hash);
});

/** Goes to `#/<path>`, e.g. `navigate('jobs/abc')` or `navigate('playground', {in: 'image'})`. */
export function navigate(path: string, params?: Record<string, string>): void {
  const query = params ? `?${new URLSearchParams(params)}` : '';
  location.hash = `#/${path}${query}`;
}

/** The href of a link to `path` (keeps links real links: middle-click, copy, keyboard). */
export function href(path: string, params?: Record<string, string>): string {
  return `#/${path}${params ? `?${new URLSearchParams(params)}` : ''}`;
}
