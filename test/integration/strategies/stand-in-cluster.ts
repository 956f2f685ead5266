/** What the strategy tests share about the stand-in tools (test/fixtures/bin) and their cluster. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../execution/helpers.js';

/** The stand-in kubectl, helm and kubectl-argo-rollouts, first on a step's PATH. */
export const BIN = join(REPO, 'test/fixtures/bin');
export const PATH_WITH_STAND_INS = `${BIN}:${process.env.PATH ?? ''}`;

export const image = (tag: string) => [{ name: 'checkout', image: `registry.example.com/checkout:${tag}` }];

/** A ReplicaSet of deployment/checkout in prod at `revision`, running `tag`. */
export const checkoutReplicaSet = (name: string, revision: number, tag: string) => ({
  name,
  deployment: 'checkout',
  namespace: 'prod',
  revision,
  containers: image(tag),
});

/** Every command the stand-ins ran, as one line each, in order. */
export function standInCalls(log: string): string[] {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as string[]).join(' '));
}
