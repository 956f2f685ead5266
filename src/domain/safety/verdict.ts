/** From findings to verdicts: the worst blocking severity wins; warnings and notes never block. */
import type { Finding, Verdict } from './types.js';

const RANK: Record<Verdict, number> = { safe: 0, conditional: 1, unsafe: 2 };

export function worseVerdict(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

export function verdictOf(findings: readonly Finding[]): Verdict {
  return findings.reduce<Verdict>(
    (verdict, finding) =>
      finding.severity === 'unsafe' || finding.severity === 'conditional'
        ? worseVerdict(verdict, finding.severity)
        : verdict,
    'safe',
  );
}

/** Whether `verdict` is at or above `threshold` (for `--fail-on`). */
export function atOrAbove(verdict: Verdict, threshold: Verdict): boolean {
  return RANK[verdict] >= RANK[threshold];
}
