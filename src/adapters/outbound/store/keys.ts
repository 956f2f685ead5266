/** Every Redis key the incident store uses, in one place, under one prefix. */
export function incidentKeys(prefix: string) {
  return {
    seq: `${prefix}:incident-seq`,
    incident: (id: string) => `${prefix}:incident:${id}`,
    timeline: (id: string) => `${prefix}:incident:${id}:timeline`,
    open: (service: string, environment: string) => `${prefix}:open:${service}:${environment}`,
    dedupe: (key: string) => `${prefix}:dedupe:${key}`,
    awaiting: `${prefix}:incidents:awaiting`,
    active: `${prefix}:incidents:active`,
    recent: `${prefix}:incidents:recent`,
    writeUps: `${prefix}:incidents:write-ups-owed`,
    /** Outbound signals (ROLLBACK_STARTED…) waiting for delivery, and those being delivered. */
    outbox: `${prefix}:signals:outbox`,
    outboxInflight: `${prefix}:signals:outbox-inflight`,
  };
}
