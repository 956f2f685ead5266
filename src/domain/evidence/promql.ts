/**
 * PromQL from the catalog: the default RED queries built from a service's label selector, and the
 * checks that keep a catalog typo from reaching Prometheus. Parsing is the Prometheus project's own
 * grammar (@prometheus-io/lezer-promql, the one its web UI uses), so "valid" means what Prometheus
 * means. The selector is parsed into matchers and written back with every value re-quoted, so a
 * catalog value never lands in a query unescaped.
 */
import { parser } from '@prometheus-io/lezer-promql';

/** One label matcher of a selector: `service="checkout"`, `status=~"5.."`. */
export interface LabelMatcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** The queries the evidence reads; each is complete PromQL once the catalog has loaded. */
export interface RedQueries {
  /** Ratio 0..1 of failed requests. */
  errorRate: string;
  /** Seconds. */
  latencyP99: string;
  /** Requests per second. */
  throughput: string;
  /** The error ratio per endpoint (one series per `endpointLabel` value), for the blast radius. */
  errorRateByEndpoint?: string;
}

/** The contract's defaults; `{selector}` and `{endpointLabel}` are filled in. */
export const DEFAULT_QUERY_TEMPLATES = {
  errorRate:
    'sum(rate(http_requests_total{{selector},status=~"5.."}[1m])) / sum(rate(http_requests_total{{selector}}[1m]))',
  latencyP99:
    'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{{selector}}[1m])))',
  throughput: 'sum(rate(http_requests_total{{selector}}[1m]))',
  errorRateByEndpoint:
    'sum by ({endpointLabel}) (rate(http_requests_total{{selector},status=~"5.."}[1m])) / sum by ({endpointLabel}) (rate(http_requests_total{{selector}}[1m]))',
} as const;

export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Where a query fails to parse, as a sentence; undefined when it parses. */
export function promqlError(query: string): string | undefined {
  if (query.trim() === '') return 'the query is empty';
  const tree = parser.parse(query);
  let at: number | undefined;
  tree.iterate({
    enter(node) {
      if (at === undefined && node.type.isError) at = node.from;
    },
  });
  if (at === undefined) return undefined;
  const near = query.slice(Math.max(0, at - 12), at + 12);
  return `not valid PromQL at character ${at + 1} (near "${near}")`;
}

const OPS: Record<string, LabelMatcher['op']> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
};

/** The text inside a PromQL string literal: "…" and '…' with Go escapes, `…` raw. */
function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  const asDouble = quote === "'" ? body.replace(/\\'/g, "'").replace(/"/g, '\\"') : body;
  return JSON.parse(`"${asDouble}"`) as string;
}

/** `service="checkout",env="production"` → matchers, or what is wrong with it. */
export function parseSelector(text: string): { matchers: LabelMatcher[] } | { error: string } {
  const query = `{${text}}`;
  const syntax = promqlError(query);
  if (syntax) return { error: `expected label matchers such as service="checkout" (${syntax})` };
  const matchers: LabelMatcher[] = [];
  let stray: string | undefined;
  const cursor = parser.parse(query).cursor();
  // PromQL > VectorSelector > LabelMatchers > UnquotedLabelMatcher(LabelName, MatchOp(op), StringLiteral)
  do {
    if (cursor.name === 'QuotedLabelMatcher' || cursor.name === 'QuotedLabelName')
      stray = 'quoted label names are not supported';
    if (cursor.name !== 'UnquotedLabelMatcher') continue;
    const node = cursor.node;
    const name = node.getChild('LabelName');
    const op = node.getChild('MatchOp')?.firstChild;
    const value = node.getChild('StringLiteral');
    if (!name || !op || !value || !OPS[op.name]) {
      stray = 'expected name, operator and a quoted value in every matcher';
      continue;
    }
    try {
      matchers.push({
        name: query.slice(name.from, name.to),
        op: OPS[op.name] as LabelMatcher['op'],
        value: unquote(query.slice(value.from, value.to)),
      });
    } catch {
      stray = `cannot read the value ${query.slice(value.from, value.to)}`;
    }
  } while (cursor.next());
  if (stray) return { error: stray };
  if (matchers.length === 0) return { error: 'expected at least one label matcher, e.g. service="checkout"' };
  return { matchers };
}

/** Matchers as PromQL, each value quoted afresh (JSON's escapes are valid PromQL string escapes). */
export function renderSelector(matchers: LabelMatcher[]): string {
  return matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(',');
}

/** Fills `{selector}` and `{endpointLabel}` in a query template. */
export function fillQuery(template: string, selector: string, endpointLabel?: string): string {
  return template.replaceAll('{selector}', selector).replaceAll('{endpointLabel}', endpointLabel ?? '');
}
