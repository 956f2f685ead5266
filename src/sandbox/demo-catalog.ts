/**
 * The sandbox's catalog: one service, checkout/production, whose steps drive the demo service with
 * `demo-ctl` (argv, like any catalog step) and whose sqlRunner is the demo database. Two approvers,
 * so the page can show a requester refused and an approver deciding; no `database`, so the schema
 * gate asks both approvers to waive it, which is what a team without a read-only URL would see.
 */
import { stringify } from 'yaml';
import type { SandboxUser } from './page-server.js';

export const SANDBOX_CHANNEL = 'C0SANDBOX';

export const SANDBOX_USERS: SandboxUser[] = [
  { id: 'U0REQUESTER', name: 'Riley Park', role: 'on-call responder (requester)' },
  { id: 'U0APPROVER1', name: 'Ada Okafor', role: 'approver' },
  { id: 'U0APPROVER2', name: 'Sam Lindqvist', role: 'approver' },
];

/** `ctl` is the argv that runs demo-ctl (node and its script); the service URL is added here. */
export function demoCatalogYaml(o: {
  repo: string;
  serviceUrl: string;
  ctl: string[];
  /** A Prometheus scraping the demo service: the card then measures against the baseline. */
  prometheusUrl?: string;
}): string {
  const ctl = [...o.ctl, o.serviceUrl];
  return stringify({
    version: 1,
    defaults: {
      channel: SANDBOX_CHANNEL,
      approvers: ['U0APPROVER1', 'U0APPROVER2'],
      requiredApprovals: 1,
      allowSelfApproval: false,
      maxAttempts: 2,
      retryDelay: '2s',
      stepTimeout: '30s',
      timeBudget: '5m',
    },
    services: {
      checkout: {
        repo: o.repo,
        environments: {
          production: {
            alerts: { labels: { service: 'checkout', env: 'production' } },
            sqlRunner: [...ctl, 'sql'],
            ...(o.prometheusUrl
              ? {
                  metrics: {
                    prometheus: o.prometheusUrl,
                    selector: 'service="checkout",env="production"',
                    endpointLabel: 'route',
                    baseline: '1h',
                  },
                }
              : {}),
            rollback: [
              {
                name: 'Switch checkout back to {toVersion}',
                run: [...ctl, 'deploy', '{toVersion}'],
                idempotent: true,
              },
            ],
            verify: [
              {
                name: 'Health',
                http: { url: `${o.serviceUrl}/healthz`, expectStatus: 200 },
                retries: 3,
                interval: '1s',
              },
            ],
          },
        },
      },
    },
  });
}
