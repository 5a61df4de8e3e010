import { z } from 'zod';

/**
 * An absolute http(s) URL with no user name or password in it: a URL is shown (`GET
 * /v1/adapters`) and ends up in messages and logs, so credentials go where they are kept secret;
 * `where` says where (e.g. "give the key as apiKey"). The refusal never quotes the URL.
 */
export function httpUrlWithoutCredentials(where: string) {
  return z
    .url({ protocol: /^https?$/ })
    .refine((url) => !URL.canParse(url) || !hasCredentials(new URL(url)), {
      message: `must not carry a user name or password: ${where}`,
    });
}

function hasCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== '';
}
