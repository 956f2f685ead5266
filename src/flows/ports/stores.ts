/**
 * The stores as the flows use them; adapters/outbound/store implements each over Redis. Every incident
 * change goes through `mutate`: one atomic step that also appends the change's timeline events.
 */
import type { DeployLock, LockRequest } from '../../domain/deploy-lock.js';
import type { DrillRecord } from '../../domain/drill.js';
import type { Incident } from '../../domain/incident.js';
import type { DeployRecord, Signal, SignalCounters, SignalLogEntry } from '../../domain/signal.js';
import type { TimelineEvent } from '../../domain/timeline.js';

/** What a mutation decided: the new incident and the events to append, or nothing to change. */
export type Mutation<T> =
  { incident: Incident; events: TimelineEvent[]; result: T } | { unchanged: true; result: T };

/** Keys taken once across processes (dedupe, "posted once"), given back when the work failed. */
export interface Claims {
  /** Takes `key` for `owner`; returns the earlier owner when it was already taken. */
  claim(key: string, owner: string, ttlSeconds?: number): Promise<string | undefined>;
  releaseClaim(key: string, owner: string): Promise<unknown>;
}

export interface IncidentRepository extends Claims {
  nextId(): Promise<string>;
  isClaimed(key: string): Promise<boolean>;
  /** Removes an incident that never got a card (its request was refused after the id was taken). */
  discard(id: string): Promise<void>;
  /** Takes the one open slot of a service and environment; returns the holder when taken. */
  reserveOpen(service: string, environment: string, incidentId: string): Promise<string | undefined>;
  releaseOpen(service: string, environment: string, incidentId: string): Promise<void>;
  openIncidentId(service: string, environment: string): Promise<string | undefined>;
  create(incident: Incident, events: TimelineEvent[]): Promise<void>;
  get(id: string): Promise<Incident | undefined>;
  timeline(id: string): Promise<TimelineEvent[]>;
  append(id: string, ...events: TimelineEvent[]): Promise<void>;
  mutate<T>(id: string, change: (incident: Incident) => Mutation<T>): Promise<T | undefined>;
  awaitingIds(): Promise<string[]>;
  expiredCandidates(now: Date): Promise<string[]>;
  activeIds(): Promise<string[]>;
  recentIds(limit?: number): Promise<string[]>;
  writeUpsOwed(): Promise<string[]>;
  writeUpDone(id: string): Promise<void>;
}

export interface DeployLocks {
  lock(service: string, environment: string, request: LockRequest): Promise<DeployLock>;
  unlock(service: string, environment: string, by: string): Promise<DeployLock | undefined>;
  get(service: string, environment: string): Promise<DeployLock | undefined>;
}

/** Rehearsals of a service's rollback plans, newest first. */
export interface DrillHistory {
  record(drill: DrillRecord): Promise<void>;
  recent(service: string): Promise<DrillRecord[]>;
}

export interface DeployHistory {
  get(service: string, environment: string, version: string): Promise<DeployRecord | undefined>;
  latest(service: string, environment: string): Promise<DeployRecord | undefined>;
  history(service: string, environment: string, limit?: number): Promise<DeployRecord[]>;
  previousOf(service: string, environment: string, version: string): Promise<string | undefined>;
}

/** Stored alerts as the flows read them (intake is the webhook routes' own). */
export interface SignalLog {
  get(id: string): Promise<Signal | undefined>;
  pendingSince(before: Date, limit?: number): Promise<string[]>;
  markProcessed(id: string): Promise<void>;
  attach(incidentId: string, signal: Signal): Promise<SignalCounters>;
  countDuplicate(incidentId: string): Promise<SignalCounters>;
  incidentCounters(incidentId: string): Promise<SignalCounters>;
  incidentLog(incidentId: string, limit?: number): Promise<SignalLogEntry[]>;
}
