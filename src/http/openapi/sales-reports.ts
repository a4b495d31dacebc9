/**
 * The OpenAPI operations of the Sales reads: the reports (one path per report name besides the
 * mounted `/sales/reports/{name}`, each with the parameters it takes), a target's attainment and
 * the overdue activities view, with the parameters their routes check.
 */
import { schemaOf } from '../../commands/validate.js';
import { INTERVALS } from '../../events/sales/period.js';
import { REPORT_PARAMS, type ReportParam } from '../../queries/sales/report-query.js';
import { overdueQuery } from '../sales/activities.js';
import { REPORTS } from '../sales/reports.js';
import { CONSISTENCY_POSITION, FILTER_DESCRIPTION } from './conventions.js';
import type { MountedRoute } from './routes.js';
import { dataOf, json, operation, ref, type Operation, type Schema } from './shapes.js';

const REPORT_ROUTE = { method: 'GET', path: '/sales/reports/:name' };

const PERIOD = 'A period (`YYYY`, `YYYY-Qn` or `YYYY-MM`); the range is `[start(from), end(to))`';
const PARAM_SCHEMAS: Record<ReportParam, Schema> = {
  from: { type: 'string', description: PERIOD },
  to: { type: 'string', description: PERIOD },
  interval: { enum: [...INTERVALS], default: 'month', description: 'How rows are grouped' },
  owner: { type: 'string', description: 'A user id (a grant over one\'s own records: only oneself)' },
  pipeline: { type: 'string', description: 'A pipeline id' },
  currency: { type: 'string', description: 'An ISO 4217 code' },
};

const REPORT_SUMMARIES: Record<string, string> = {
  'pipeline-by-stage': 'Open opportunities by pipeline, stage and currency: deals, amount, weighted amount',
  'win-rate': 'Opportunities won and lost per period of closing, and the win rate',
  'cycle-length': 'Mean days from creation to close of the deals closed per period',
  revenue: 'Won amount per period, current owner and currency',
  'lead-conversion': 'Leads created per period (cohort) and how many of them converted since',
  'activity-counts': 'Activities created and completed per period, owner and kind',
  'forecast-vs-target': 'The attainment of each active target whose period starts in the range',
};

const queryParameter = (name: string, schema: Schema) => {
  const { description, ...rest } = schema;
  return { name, in: 'query', required: false, schema: rest, ...(description ? { description } : {}) };
};

const REPORT_REFUSALS = 'An invalid value is a 422 `invalid_report_query` (one `errors[]` entry per parameter); any other parameter a 400 `invalid_query`.';

const reportAnswer = (name: string) => json({ type: 'object', required: ['report'], properties: { report: { const: name } } }, `The \`${name}\` report's rows`);

/** The operation of one named report, with the parameters it takes. */
const reportOperation = (name: string): Operation => operation(REPORT_SUMMARIES[name] ?? `The ${name} report`, {
  description: `Permission \`sales.reports:read\`. ${REPORT_REFUSALS}`,
  parameters: [...REPORTS[name]!.params.map((param) => queryParameter(param, PARAM_SCHEMAS[param])), CONSISTENCY_POSITION],
  responses: { 200: reportAnswer(name) },
});

/**
 * The documented instances of a mounted route whose parameter takes a closed set of values: each
 * report gets a path of its own, so its parameters can be told apart.
 */
export const routeInstances = ({ method, path }: MountedRoute): MountedRoute[] =>
  method === REPORT_ROUTE.method && path === REPORT_ROUTE.path ? Object.keys(REPORTS).map((name) => ({ method, path: `/sales/reports/${name}` })) : [];

const reportOperations = (): Record<string, Operation> => ({
  [`${REPORT_ROUTE.method} ${REPORT_ROUTE.path}`]: operation('Run a sales report by name (each has a path of its own, with its parameters)', {
    description: `Permission \`sales.reports:read\`; an unknown name is a 404. ${REPORT_REFUSALS}`,
    parameters: [
      { name: 'name', in: 'path', required: true, schema: { enum: Object.keys(REPORTS) } },
      ...REPORT_PARAMS.map((param) => queryParameter(param, { ...PARAM_SCHEMAS[param], description: `${PARAM_SCHEMAS[param].description} (the reports that take it)` })),
      CONSISTENCY_POSITION,
    ],
    responses: { 200: json({ type: 'object', required: ['report'], properties: { report: { type: 'string' } } }, 'The report\'s rows') },
  }),
  ...Object.fromEntries(Object.keys(REPORTS).map((name) => [`GET /sales/reports/${name}`, reportOperation(name)])),
});

const ATTAINMENT = {
  type: 'object', required: ['targetId', 'period', 'metric', 'quota', 'actual', 'percent', 'pipeline', 'forecast'],
  properties: {
    targetId: { type: 'string' }, period: { type: 'string' }, metric: { type: 'string' }, quota: { type: 'integer' },
    actual: { type: 'number' }, percent: { type: ['number', 'null'] }, pipeline: { type: ['object', 'null'] }, forecast: { type: ['object', 'null'] },
  },
};

const overdueParameters = () => {
  const { properties } = schemaOf(overdueQuery) as { properties: Record<string, Schema> };
  const meaning: Record<string, string> = {
    ownerId: 'Whose activities (default: the caller\'s)', filter: `Further conditions on the activities. ${FILTER_DESCRIPTION}`, limit: 'Page size', cursor: 'The previous page\'s `page.nextCursor`',
  };
  return [
    ...Object.entries(properties).map(([name, schema]) => queryParameter(name, { ...schema, ...(meaning[name] ? { description: meaning[name] } : {}) })),
    CONSISTENCY_POSITION,
  ];
};

const ACCOUNT_CONTACTS = dataOf({
  type: 'object', required: ['contactId', 'firstName', 'lastName', 'roles', 'primary'],
  properties: {
    contactId: { type: 'string' }, firstName: { type: ['string', 'null'] }, lastName: { type: ['string', 'null'] },
    roles: { type: 'array', items: { type: 'string' } }, primary: { type: 'boolean' },
  },
}, { type: 'object', properties: { nextCursor: { type: ['string', 'null'] } } });

/** Operations keyed `METHOD /koa/path/:param` as the API mounts them (the reports also one per name). */
export const salesReadOperations = (): Record<string, Operation> => ({
  ...reportOperations(),
  'GET /sales/accounts/:id/contacts': operation('The active contacts of an account (linked to it, or whose accountId names it: primary, no roles), with their roles, by contact id, a page at a time', {
    description: 'Needs `sales.contacts:read`; an own-scoped reader sees only their contacts. Another tenant\'s or an unknown account is a 404. `limit` (1–200, default 50) and the opaque `cursor` of `page.nextCursor`.',
    parameters: [...['limit', 'cursor'].map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })), CONSISTENCY_POSITION],
    responses: { 200: json(ACCOUNT_CONTACTS, 'The account\'s contacts') },
  }),
  'GET /sales/targets/:id/attainment': operation('A target\'s attainment: quota, actual, percent, open pipeline and forecast', {
    description: 'From the reports read model, over the target\'s user or team members; activity targets have no pipeline nor forecast (`null`). Takes no query parameter.',
    parameters: [CONSISTENCY_POSITION],
    responses: { 200: json(ATTAINMENT, 'The attainment') },
  }),
  'GET /sales/activities/overdue': operation('One owner\'s open activities due before the request\'s time, earliest first', {
    description: 'Paged like every list. Another owner\'s view needs `sales.activities:read` over their records (403).',
    parameters: overdueParameters(),
    responses: { 200: json({ type: 'object', required: ['data', 'page'], properties: { data: { type: 'array', items: ref('SalesActivity') }, page: { type: 'object' } } }, 'A page of activities') },
  }),
});
