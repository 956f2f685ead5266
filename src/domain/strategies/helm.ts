/**
 * The `helm` strategy, pure: from `helm history <release> -o json`, the newest `deployed` or
 * `superseded` revision whose app version is the target, and `helm rollback <release> <rev>
 * --wait`. A release whose latest revision is `pending-*` has another operation in progress: no.
 */
import { StrategyRefusal, type HelmSpec, type Resolution } from './types.js';

interface HistoryRow {
  revision?: number;
  status?: string;
  chart?: string;
  app_version?: string;
  description?: string;
}

const sameVersion = (a: string | undefined, b: string) =>
  a !== undefined && (a === b || a.replace(/^v/, '') === b.replace(/^v/, ''));

export const helmReads = (spec: HelmSpec): string[][] => [
  ['helm', 'history', spec.release, '-n', spec.namespace, '-o', 'json'],
];

export function resolveHelm(
  spec: HelmSpec,
  [historyJson]: string[],
  toVersion: string | undefined,
  timeoutSeconds: number,
): Resolution {
  if (toVersion === undefined)
    throw new StrategyRefusal('no target version: a strategy step needs one (--to)');
  let rows: HistoryRow[];
  try {
    rows = JSON.parse(historyJson ?? '') as HistoryRow[];
  } catch {
    throw new StrategyRefusal(`helm did not answer JSON for the history of ${spec.release}`);
  }
  if (!Array.isArray(rows) || rows.length === 0)
    throw new StrategyRefusal(`release ${spec.release} in ${spec.namespace} has no history`);
  const sorted = [...rows].sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0));
  const latest = sorted[0] as HistoryRow;
  if (latest.status?.startsWith('pending-'))
    throw new StrategyRefusal(
      `release ${spec.release} is ${latest.status} at revision ${latest.revision}: another Helm operation is in progress; wait for it or resolve it first`,
    );
  const current = sorted.find((row) => row.status === 'deployed');
  const rollback = (revision: number) => [
    'helm',
    'rollback',
    spec.release,
    String(revision),
    '-n',
    spec.namespace,
    '--wait',
    '--timeout',
    `${timeoutSeconds}s`,
  ];
  if (toVersion !== undefined && current && sameVersion(current.app_version, toVersion)) {
    return {
      commands: [],
      summary: `release ${spec.release} already runs app version ${current.app_version} (revision ${current.revision})`,
      alreadyThere: true,
    };
  }
  const usable = sorted.filter(
    (row) =>
      (row.status === 'deployed' || row.status === 'superseded') &&
      row !== current &&
      row.revision !== undefined,
  );
  const chosen =
    toVersion !== undefined
      ? usable.find((row) => sameVersion(row.app_version, toVersion))
      : usable.find((row) => (row.revision ?? 0) < (current?.revision ?? Infinity));
  if (!chosen) {
    const kept = sorted.map((row) => `${row.revision} ${row.status} ${row.app_version ?? '?'}`).join(', ');
    throw new StrategyRefusal(
      toVersion !== undefined
        ? `no deployed or superseded revision of ${spec.release} has app version ${toVersion} (history: ${kept})`
        : `release ${spec.release} has no earlier good revision (history: ${kept})`,
    );
  }
  return {
    commands: [rollback(chosen.revision as number)],
    summary: `revision ${chosen.revision} of ${spec.release} (${chosen.chart ?? 'chart'}, app ${chosen.app_version ?? '?'}, ${chosen.status})`,
    alreadyThere: false,
  };
}
