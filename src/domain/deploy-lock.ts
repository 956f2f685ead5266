/** The deploy lock a successful rollback leaves, so CD does not bring the rolled-back version back. */

/** Why a service and environment are locked, as `GET /locks` answers it. */
export interface DeployLock {
  service: string;
  environment: string;
  /** The rolled-back version that must not come back. */
  version: string;
  reason: string;
  incidentId: string;
  /** ISO 8601. */
  since: string;
}

/** What `lock` needs from the caller. */
export interface LockRequest {
  version: string;
  reason: string;
  incidentId: string;
  at: Date;
}
