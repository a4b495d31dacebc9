/**
 * The sales reports read model (`sales.reports`): one fact row per opportunity, lead and activity,
 * holding what the reports and target attainment aggregate (outcome, amount and currency, stage
 * and probability, owner, expected close date, when it was created, closed or converted). Every
 * event rewrites its record's row from the row before and the event, so the tables are a pure
 * function of the log and rebuild to the same rows. Reports group these rows at query time
 * (`queries/sales/reports.ts`); no personal data is kept.
 *
 * Each kind of fact is a `FactSource` in `SOURCES`: its tables and handled event types join the
 * projector's, so reporting on another record is one more source (and a version bump).
 */
import type { Knex } from 'knex';
import { effectOf } from '../../events/catalogue.js';
import type { JsonObject } from '../../events/log/port.js';
import { parseStreamName } from '../../events/log/stream-name.js';
import { ACTIVITY_CANCELLED, ACTIVITY_COMPLETED } from '../../events/sales/activity.js';
import { LEAD_CONVERTED } from '../../events/sales/lead.js';
import { OPPORTUNITY_LOST, OPPORTUNITY_REOPENED, OPPORTUNITY_WON, opportunityKind } from '../../events/sales/opportunity.js';
import type { ProjectedEvent, ProjectionTx, Projector, TableDefinition } from '../projector.js';

/** Bump when what a row holds changes: the next start rebuilds the tables. */
const VERSION = 1;

export const REPORTS_PROJECTION = 'sales.reports';
export const OPPORTUNITY_FACTS = 'sales_report_opportunity';
export const LEAD_FACTS = 'sales_report_lead';
export const ACTIVITY_FACTS = 'sales_report_activity';

/** A kind of fact: its tables, the event types it reads, and how one event changes its rows. */
export type FactSource = {
  tables: Readonly<Record<string, TableDefinition>>;
  handles: readonly string[];
  apply: (tx: ProjectionTx, event: ProjectedEvent, at: string) => void;
};

type Row = Record<string, string | number | null>;

const occurredAt = (event: ProjectedEvent): string =>
  new Date(typeof event.metadata.occurredAt === 'string' ? event.metadata.occurredAt : event.recordedAt).toISOString();

/** The row of (tenant, id) in `logical`, or undefined. */
const rowOf = (tx: ProjectionTx, logical: string, tenantId: string, id: string): Row | undefined =>
  tx.statement(`SELECT * FROM "${tx.table(logical)}" WHERE tenant_id = ? AND id = ?`).get(tenantId, id) as Row | undefined;

/** Writes a whole row (insert or replace by its primary key). */
const write = (tx: ProjectionTx, logical: string, row: Row): void => {
  const columns = Object.keys(row);
  const sql = `INSERT OR REPLACE INTO "${tx.table(logical)}" (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`;
  tx.statement(sql).run(...Object.values(row));
};

/** The generic changes every record kind shares: archived, restored, owner. */
const commonChange = (type: string, prefix: string, data: JsonObject): Row | undefined => {
  if (type === `${prefix}Archived`) return { archived: 1 };
  if (type === `${prefix}Restored`) return { archived: 0 };
  if (type === `${prefix}OwnerAssigned`) return { owner_id: typeof data.ownerId === 'string' ? data.ownerId : null };
  return undefined;
};

// ---------------------------------------------------------------------------------------------
// Opportunities
// ---------------------------------------------------------------------------------------------

const opportunityTable: TableDefinition = (t: Knex.CreateTableBuilder, physical: string) => {
  for (const column of ['tenant_id', 'id', 'outcome', 'created_at']) t.text(column).notNullable();
  for (const column of ['owner_id', 'pipeline', 'stage', 'currency', 'expected_close_date', 'closed_at']) t.text(column);
  for (const column of ['amount', 'weighted', 'probability']) t.integer(column);
  t.integer('archived').notNullable();
  t.primary(['tenant_id', 'id']);
  t.index(['tenant_id', 'outcome', 'closed_at'], `${physical}__closed`);
  t.index(['tenant_id', 'outcome', 'expected_close_date'], `${physical}__expected`);
};

const moneyParts = (value: unknown): [number | null, string | null] =>
  typeof value === 'object' && value !== null ? [Number((value as JsonObject).amount), String((value as JsonObject).currency)] : [null, null];

/** The columns an opportunity's field changes set (a `null` clears). */
const fieldColumns = (fields: JsonObject): Row => {
  const row: Row = {};
  if ('amount' in fields) [row.amount, row.currency] = moneyParts(fields.amount);
  if ('weightedAmount' in fields) row.weighted = moneyParts(fields.weightedAmount)[0];
  for (const [field, column] of [['pipeline', 'pipeline'], ['stage', 'stage'], ['expectedCloseDate', 'expected_close_date']] as const) {
    if (field in fields) row[column] = typeof fields[field] === 'string' ? (fields[field] as string) : null;
  }
  if ('probability' in fields) row.probability = typeof fields.probability === 'number' ? fields.probability : null;
  return row;
};

const OUTCOMES: Readonly<Record<string, string>> = { [OPPORTUNITY_WON]: 'won', [OPPORTUNITY_LOST]: 'lost', [OPPORTUNITY_REOPENED]: 'open' };

/** What an opportunity event changes in its row (undefined: nothing). */
const opportunityChange = (event: ProjectedEvent, at: string): Row | undefined => {
  const { type, data } = event;
  if (type === 'OpportunityUpdated') return fieldColumns((data.changes ?? {}) as JsonObject);
  const outcome = OUTCOMES[type];
  if (outcome !== undefined) {
    const closed = { outcome, closed_at: outcome === 'open' ? null : at };
    return { ...fieldColumns(effectOf(opportunityKind, type, data) ?? {}), ...closed };
  }
  return commonChange(type, 'Opportunity', data);
};

const opportunityCreated = (tenantId: string, id: string, data: JsonObject, at: string): Row => ({
  tenant_id: tenantId, id, owner_id: typeof data.ownerId === 'string' ? data.ownerId : null,
  pipeline: null, stage: null, outcome: 'open', amount: null, currency: null, weighted: null, probability: null,
  expected_close_date: null, created_at: at, closed_at: null, archived: 0,
  ...fieldColumns((data.fields ?? {}) as JsonObject),
});

const opportunities: FactSource = {
  tables: { [OPPORTUNITY_FACTS]: opportunityTable },
  handles: [
    'OpportunityCreated', 'OpportunityUpdated', 'OpportunityArchived', 'OpportunityRestored', 'OpportunityOwnerAssigned',
    OPPORTUNITY_WON, OPPORTUNITY_LOST, OPPORTUNITY_REOPENED,
  ],
  apply: (tx, event, at) => {
    const { tenantId, id } = parseStreamName(event.stream);
    if (event.type === 'OpportunityCreated') return write(tx, OPPORTUNITY_FACTS, opportunityCreated(tenantId, id, event.data, at));
    const row = rowOf(tx, OPPORTUNITY_FACTS, tenantId, id);
    const change = opportunityChange(event, at);
    if (row && change) write(tx, OPPORTUNITY_FACTS, { ...row, ...change });
  },
};

// ---------------------------------------------------------------------------------------------
// Leads
// ---------------------------------------------------------------------------------------------

const leadTable: TableDefinition = (t: Knex.CreateTableBuilder, physical: string) => {
  for (const column of ['tenant_id', 'id', 'created_at']) t.text(column).notNullable();
  for (const column of ['owner_id', 'source', 'converted_at']) t.text(column);
  t.integer('archived').notNullable();
  t.primary(['tenant_id', 'id']);
  t.index(['tenant_id', 'created_at'], `${physical}__created`);
};

const leads: FactSource = {
  tables: { [LEAD_FACTS]: leadTable },
  handles: ['LeadCreated', 'LeadArchived', 'LeadRestored', 'LeadOwnerAssigned', LEAD_CONVERTED],
  apply: (tx, { type, stream, data }, at) => {
    const { tenantId, id } = parseStreamName(stream);
    if (type === 'LeadCreated') {
      const fields = (data.fields ?? {}) as JsonObject;
      const row = { owner_id: typeof data.ownerId === 'string' ? data.ownerId : null, source: typeof fields.source === 'string' ? fields.source : null };
      return write(tx, LEAD_FACTS, { tenant_id: tenantId, id, ...row, created_at: at, converted_at: null, archived: 0 });
    }
    const row = rowOf(tx, LEAD_FACTS, tenantId, id);
    const change = type === LEAD_CONVERTED ? { converted_at: at } : commonChange(type, 'Lead', data);
    if (row && change) write(tx, LEAD_FACTS, { ...row, ...change });
  },
};

// ---------------------------------------------------------------------------------------------
// Activities
// ---------------------------------------------------------------------------------------------

const activityTable: TableDefinition = (t: Knex.CreateTableBuilder, physical: string) => {
  for (const column of ['tenant_id', 'id', 'activity_status', 'created_at']) t.text(column).notNullable();
  for (const column of ['owner_id', 'kind', 'completed_at']) t.text(column);
  t.integer('archived').notNullable();
  t.primary(['tenant_id', 'id']);
  t.index(['tenant_id', 'activity_status', 'completed_at'], `${physical}__completed`);
};

/** What an activity's own event changes: completed (at the time it says it was done) or cancelled. */
const activityChange = ({ type, data }: ProjectedEvent, at: string): Row | undefined => {
  if (type === ACTIVITY_COMPLETED) {
    const done = typeof data.completedAt === 'string' ? new Date(data.completedAt).toISOString() : at;
    return { activity_status: 'completed', completed_at: done };
  }
  return type === ACTIVITY_CANCELLED ? { activity_status: 'cancelled' } : commonChange(type, 'Activity', data);
};

const activities: FactSource = {
  tables: { [ACTIVITY_FACTS]: activityTable },
  handles: ['ActivityCreated', 'ActivityArchived', 'ActivityRestored', 'ActivityOwnerAssigned', ACTIVITY_COMPLETED, ACTIVITY_CANCELLED],
  apply: (tx, event, at) => {
    const { tenantId, id } = parseStreamName(event.stream);
    if (event.type === 'ActivityCreated') {
      const { ownerId, fields } = event.data as { ownerId?: unknown; fields?: JsonObject };
      const kind = typeof fields?.kind === 'string' ? fields.kind : null;
      const row = { owner_id: typeof ownerId === 'string' ? ownerId : null, kind, activity_status: 'open', completed_at: null };
      return write(tx, ACTIVITY_FACTS, { tenant_id: tenantId, id, ...row, created_at: at, archived: 0 });
    }
    const row = rowOf(tx, ACTIVITY_FACTS, tenantId, id);
    const change = activityChange(event, at);
    if (row && change) write(tx, ACTIVITY_FACTS, { ...row, ...change });
  },
};

// ---------------------------------------------------------------------------------------------
// The projector
// ---------------------------------------------------------------------------------------------

/** The fact sources of the reports; add one here to report on more. */
export const SOURCES: readonly FactSource[] = [opportunities, leads, activities];

const sourceOf = new Map(SOURCES.flatMap((source) => source.handles.map((type) => [type, source] as const)));

export const reportsProjector: Projector = {
  name: REPORTS_PROJECTION,
  version: VERSION,
  handles: SOURCES.flatMap((source) => source.handles),
  tables: Object.assign({}, ...SOURCES.map((source) => source.tables)) as Record<string, TableDefinition>,
  apply: (tx, event) => sourceOf.get(event.type)?.apply(tx, event, occurredAt(event)),
};
