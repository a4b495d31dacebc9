/**
 * Targets (Sales): a quota for a user or a team over one period (`2026`, `2026-Q4`, `2026-11`,
 * see `period.ts`) on one metric: won revenue (in one currency, minor units), won deals or
 * completed activities. The identity module has no teams, so a team is the target's own list of
 * member user ids. The period's UTC range is kept in the fields (`periodStart`, `periodEnd`,
 * computed by the decider) so lists filter on it. A target has only the generic events.
 */
import type { RecordKind } from '../catalogue.js';

export const TARGET_METRICS = ['won_revenue', 'won_deals', 'activities_completed'] as const;
export type TargetMetric = (typeof TARGET_METRICS)[number];

/** Who a target is for: a user, or a team given by its members' user ids. */
export type Assignee = { type: 'user'; id: string } | { type: 'team'; id: string; members: string[] };

const USER_ID = { type: 'string', minLength: 1, maxLength: 128 };

const ASSIGNEE = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id'],
  properties: {
    type: { type: 'string', enum: ['user', 'team'] },
    id: USER_ID,
    members: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: USER_ID },
  },
  examples: [{ type: 'user', id: 'user-1' }],
};

export const targetKind: RecordKind = {
  type: 'sales.target',
  eventPrefix: 'Target',
  fields: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    assignee: ASSIGNEE,
    period: { type: 'string', minLength: 1, maxLength: 32, examples: ['2026-Q4'] },
    metric: { type: 'string', enum: [...TARGET_METRICS] },
    currency: { type: 'string', pattern: '^[A-Z]{3}$', examples: ['EUR'] },
    quota: { type: 'integer', minimum: 0, maximum: 1e15 },
    periodStart: { type: 'string', format: 'date' },
    periodEnd: { type: 'string', format: 'date' },
  },
  required: ['assignee', 'period', 'metric', 'quota'],
  personal: [],
  classification: {
    name: 'internal', assignee: 'internal', period: 'internal', metric: 'internal', currency: 'internal',
    quota: 'confidential', periodStart: 'internal', periodEnd: 'internal',
  },
  filterable: ['name', 'assignee.type', 'assignee.id', 'period', 'metric', 'currency', 'periodStart', 'periodEnd'],
  sortable: ['name', 'period', 'periodStart', 'quota'],
  searchable: ['name'],
  readOnly: ['periodStart', 'periodEnd'],
};
