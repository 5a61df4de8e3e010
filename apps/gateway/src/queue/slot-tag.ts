/**
 * A Redis Cluster hash tag: keys that contain the same `{...}` (the first one in the key) hash to
 * the same slot, so one script or MULTI may use them together there. A single server ignores
 * the braces. `slotTag('omnigate', 'jobs')` is `{omnigate:jobs}`. docs/redis-keys.md lists
 * every key, its tag and why.
 */
export function slotTag(prefix: string, group: string): string {
  return `{${prefix}:${group}}`;
}
