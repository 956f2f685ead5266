/**
 * The one place a test Incident is written out in full: tests say only what matters to them, and
 * a new required field is added here once.
 */
import type { Incident } from '../../src/domain/incident.js';

export function anIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'RB-1042',
    service: 'checkout',
    environment: 'production',
    requester: 'U0REQ',
    reason: 'errors',
    source: 'slack',
    plan: { steps: [], verify: [], timeBudgetMs: 300_000 },
    policy: { approvers: ['U0LEAD'], requiredApprovals: 1, allowSelfApproval: false },
    state: 'awaiting_approval',
    approvals: [],
    channel: 'C0INC',
    createdAt: '2026-11-22T14:00:00Z',
    updatedAt: '2026-11-22T14:00:00Z',
    expiresAt: '2026-11-22T14:30:00Z',
    ...overrides,
  };
}
