/**
 * Fail closed: a statement the analysis does not model is never taken as safe. Only statement
 * kinds known not to change what the old version reads or writes pass silently; everything else
 * that touches an existing object becomes `unanalyzed-statement` ("needs a human"), as DO blocks do.
 */
import type { Origin, SchemaState } from './schema-state.js';

/**
 * Statements that cannot break the old version: reads, backfills, grants, comments, maintenance,
 * and objects created new (a function, a sequence, an extension). CREATE OR REPLACE FUNCTION is
 * here too: its body is code, reviewed with the code, not schema.
 */
export const HARMLESS_STATEMENTS = new Set([
  'SelectStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'CommentStmt',
  'SecLabelStmt',
  'GrantStmt',
  'GrantRoleStmt',
  'AlterDefaultPrivilegesStmt',
  'CreateRoleStmt',
  'CreateFunctionStmt',
  'CreateSeqStmt',
  'CreateExtensionStmt',
  'CreateStatsStmt',
  'AlterStatsStmt',
  'CreateCastStmt',
  'DefineStmt',
  'CreateOpClassStmt',
  'CreateRangeStmt',
  'CreateForeignTableStmt',
  'CreateTableSpaceStmt',
  'CreatePublicationStmt',
  'AlterPublicationStmt',
  'CreateEventTrigStmt',
  'TransactionStmt',
  'VariableShowStmt',
  'VacuumStmt',
  'ReindexStmt',
  'ClusterStmt',
  'RefreshMatViewStmt',
  'LockStmt',
  'CopyStmt',
  'NotifyStmt',
  'ListenStmt',
  'UnlistenStmt',
  'ExplainStmt',
  'CheckPointStmt',
  'DiscardStmt',
  'PrepareStmt',
  'ExecuteStmt',
  'DeallocateStmt',
  'AlterOwnerStmt',
]);

/** ALTER TABLE actions that change neither the rows nor what the old version may write. */
export const HARMLESS_TABLE_ACTIONS = new Set([
  'AT_SetStatistics',
  'AT_SetOptions',
  'AT_ResetOptions',
  'AT_SetStorage',
  'AT_SetCompression',
  'AT_ClusterOn',
  'AT_DropCluster',
  'AT_SetLogged',
  'AT_SetUnLogged',
  'AT_SetRelOptions',
  'AT_ResetRelOptions',
  'AT_ReplaceRelOptions',
  'AT_ValidateConstraint',
  'AT_ChangeOwner',
  'AT_SetTableSpace',
  'AT_SetAccessMethod',
  'AT_ReplicaIdentity',
  'AT_SetIdentity',
  'AT_GenericOptions',
  'AT_DisableRowSecurity',
  'AT_NoForceRowSecurity',
]);

/** Object kinds whose rename or drop the old version never notices (it does not name them). */
export const UNNAMED_BY_CLIENTS = new Set([
  'OBJECT_INDEX',
  'OBJECT_TRIGGER',
  'OBJECT_POLICY',
  'OBJECT_RULE',
  'OBJECT_STATISTIC_EXT',
  'OBJECT_TABCONSTRAINT',
  'OBJECT_DOMCONSTRAINT',
  'OBJECT_EVENT_TRIGGER',
]);

const SQL_WORDS: Record<string, string> = {
  CreateTrigStmt: 'CREATE TRIGGER',
  RuleStmt: 'CREATE RULE',
  CreatePolicyStmt: 'CREATE POLICY',
  AlterPolicyStmt: 'ALTER POLICY',
  AlterTypeStmt: 'ALTER TYPE',
  AlterSeqStmt: 'ALTER SEQUENCE',
  AlterFunctionStmt: 'ALTER FUNCTION',
  AlterDomainStmt: 'ALTER DOMAIN',
  AlterExtensionStmt: 'ALTER EXTENSION',
  AlterExtensionContentsStmt: 'ALTER EXTENSION',
  AlterTableMoveAllStmt: 'ALTER TABLE ALL IN TABLESPACE',
  CallStmt: 'CALL',
  CreateConversionStmt: 'CREATE CONVERSION',
  AlterCollationStmt: 'ALTER COLLATION',
  AlterOperatorStmt: 'ALTER OPERATOR',
  AlterForeignServerStmt: 'ALTER SERVER',
};

/** "CreateTrigStmt" → "CREATE TRIGGER"; an unknown kind in words ("AlterFooStmt" → "ALTER FOO"). */
export function statementWords(type: string): string {
  return (
    SQL_WORDS[type] ??
    type
      .replace(/Stmt$/, '')
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toUpperCase()
  );
}

/** "OBJECT_FOREIGN_TABLE" → "foreign table". */
export function objectWords(objectType: unknown): string {
  return String(objectType ?? 'object')
    .replace(/^OBJECT_/, '')
    .replace(/_/g, ' ')
    .toLowerCase();
}

/** "AT_EnableRowSecurity" → "ENABLE ROW SECURITY". */
export function actionWords(subtype: unknown): string {
  return String(subtype ?? 'an action')
    .replace(/^AT_/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toUpperCase();
}

/** The finding for a statement the analysis cannot judge: a human must read it. */
export function needsHuman(state: SchemaState, origin: Origin, what: string): void {
  state.emit(
    'unanalyzed-statement',
    origin,
    `Needs a human: ${what} is not analysed, so this release cannot be called safe to roll back.`,
    'Read the statement and decide whether the previous version still works after it; then override with a reason or fix forward.',
  );
}
