/**
 * What a feature flag really gates. A flag checked only in frontend code cannot stop server-side
 * errors: when the release also changes backend code that runs without checking the flag,
 * turning it off is not the fix, and the card must not offer it as one.
 */
import type { ReleaseFile } from './types.js';

const SOURCE = /\.(?:[cm]?[jt]sx?|go|py|rb|java|kt|scala|rs|php|cs|ex|exs|vue|svelte)$/i;
const FRONTEND_EXT = /\.(?:[jt]sx|vue|svelte)$/i;
const FRONTEND_DIR =
  /(?:^|\/)(?:frontend|client|web|webapp|ui|public|static|assets|components|pages|views|app\/javascript)\//i;
const NOT_CODE = /(?:^|\/)(?:test|tests|spec|__tests__|e2e|docs?)\/|\.(?:test|spec)\.[^/]+$/i;

/** Where code runs, from its path: browser-side code, or the server's. */
export function sideOf(path: string): 'frontend' | 'backend' | undefined {
  if (!SOURCE.test(path) || NOT_CODE.test(path)) return undefined;
  return FRONTEND_EXT.test(path) || FRONTEND_DIR.test(path) ? 'frontend' : 'backend';
}

export interface FlagReach {
  /** Files of the new version that check the flag. */
  checkedIn: string[];
  /** Backend files the release changed that never check it: they run whatever the flag says. */
  unguardedBackend: string[];
  /** Checked only in frontend code while backend code changed unguarded. */
  frontendOnly: boolean;
}

export function flagReach(key: string, files: readonly ReleaseFile[]): FlagReach {
  const mentions = (text: string | undefined) => text !== undefined && text.includes(key);
  const live = files.filter((file) => file.status !== 'deleted');
  const checkedIn = live.filter((file) => mentions(file.after)).map((file) => file.path);
  const unguardedBackend = live
    .filter((file) => sideOf(file.path) === 'backend' && !mentions(file.after))
    .map((file) => file.path);
  const checkedSides = new Set(checkedIn.map(sideOf).filter((side) => side !== undefined));
  const frontendOnly = checkedSides.size === 1 && checkedSides.has('frontend') && unguardedBackend.length > 0;
  return { checkedIn, unguardedBackend, frontendOnly };
}
