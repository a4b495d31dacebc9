/**
 * Targets (Sales): a quota for a user or a team over one period (`2026`, `2026-Q4`, `2026-11`,
 * see `period.ts`) on one metric: won revenue (in one currency, minor units), won deals or
 * completed activities. The identity module has no teams, so a team is the target's own list of
 * member user ids (users of the tenant, checked when named: `commands/sales/target-assignee.ts`).
 * The period's UTC range is kept in the fields (`periodStart`, `periodEnd`, computed by the
 * decider) so lists filter on it. A target has only the generic events.
 *
 * Two active targets may not have the same assignee, period, metric and currency (its unique key,
 * `targetKeyOf`): both would count in forecast-vs-target, the one quota twice.
 */
import type { KeyedKind } from '../../projections/uniqueness.js';
import type { JsonObject } from '../log/port.js';

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
  description: 'A user, or a team (`id`: its name) with its members\' user ids. Each user id the caller names (but their own) that the target '
    + 'does not count already must be an active or invited user of the tenant: 422 `assignee_not_found` or `assignee_not_active`, '
    + 'with an error at each (`/assignee/id`, `/assignee/members/<i>`).',
  examples: [{ type: 'user', id: 'user-1' }],
};

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A target's unique key, from its fields as stored (a revenue target's currency spelled out): its
 * assignee (a user by id; a team by its members as a set, whatever the team's id and the members'
 * order, since its figures are theirs), its period (the grammar's one spelling of its range), its
 * metric and its currency (none for a count). Undefined for fields no target has (a team without members).
 */
export const targetKeyOf = (fields: JsonObject): string | undefined => {
  const { assignee, period, metric, currency } = fields;
  if (!isObject(assignee) || typeof period !== 'string' || typeof metric !== 'string') return undefined;
  const members = assignee.members;
  if (assignee.type === 'team' && !Array.isArray(members)) return undefined;
  const who = assignee.type === 'team' ? ['team', [...new Set((members as unknown[]).map(String))].sort()] : [String(assignee.type), assignee.id ?? null];
  return JSON.stringify([who, period, metric, typeof currency === 'string' ? currency : null]);
};

export const targetKind: KeyedKind = {
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
  uniqueKeys: [{ name: 'target', describes: 'assignee, period, metric and currency', columns: ['assignee.type', 'period', 'metric'], of: targetKeyOf }],
};
