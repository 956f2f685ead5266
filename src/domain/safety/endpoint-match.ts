/**
 * Ties code to the endpoints the metrics say are failing, by name: `src/orders/retry.js` and
 * `/api/orders/:id` share "orders". A hint for the responder, not a proof; it only names matches.
 */

const GENERIC = new Set([
  'api',
  'src',
  'lib',
  'app',
  'internal',
  'pkg',
  'cmd',
  'server',
  'index',
  'main',
  'handlers',
  'routes',
  'controllers',
  'services',
]);

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length >= 3 && !GENERIC.has(word) && !/^v\d+$/.test(word))
    .map((word) => word.replace(/(?:es|s)$/, ''));
}

/** The endpoints whose path words a file's path shares (`/api/orders` for `src/orders/retry.js`). */
export function matchingEndpoints(path: string, endpoints: readonly string[]): string[] {
  const file = new Set(words(path.replace(/\.[a-z0-9]+$/i, '')));
  return endpoints.filter((endpoint) =>
    words(endpoint.replace(/[:{][^/]*/g, '')).some((word) => file.has(word)),
  );
}
