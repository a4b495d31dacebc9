/**
 * Lead scoring, pure: a lead's score and reasons under the tenant's rules (see
 * `events/sales/lead-scoring.ts`), the fields those rules read (an update touching one rescoring
 * the lead), and the rules' validation (shape by schema, meaning by `scoringProblemsOf`).
 */
import type { JsonObject, JsonValue } from '../../events/log/port.js';
import { DEFAULT_LEAD_SCORING, SCORED_FIELDS, SCORING_OPS, sourceFieldOf, type LeadScoring, type ScoringRule } from '../../events/sales/lead-scoring.js';

export type Score = { score: number; reasons: string[] };

/** The rules in effect (the defaults for a configuration stored before scoring existed). */
export const scoringOf = (config: { leadScoring?: LeadScoring }): LeadScoring => config.leadScoring ?? DEFAULT_LEAD_SCORING;

// Texts compare without case and surrounding spaces; an empty text is an absent one.
const text = (value: JsonValue | undefined): string | undefined => {
  const t = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  return t === '' ? undefined : t;
};

const valueOf = (fields: JsonObject, rule: ScoringRule): string | undefined => {
  const source = text(fields[sourceFieldOf(rule.field)]);
  if (rule.field !== 'emailDomain' || source === undefined) return source;
  const at = source.lastIndexOf('@');
  return at < 0 ? undefined : text(source.slice(at + 1));
};

const listOf = (value: ScoringRule['value']): string[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => v.trim().toLowerCase());

const matches = (rule: ScoringRule, value: string | undefined): boolean => {
  switch (rule.op) {
    case 'present':
      return value !== undefined;
    case 'absent':
      return value === undefined;
    case 'eq':
    case 'in':
      return value !== undefined && listOf(rule.value).includes(value);
    case 'contains':
      return value !== undefined && listOf(rule.value).some((part) => value.includes(part));
    default:
      return unreachableOp(rule.op);
  }
};

const unreachableOp = (op: never): never => {
  throw new Error(`Unexpected scoring op: ${String(op)}`);
};

/** The lead's score (the matching rules' points, summed and clamped to 0..100) and the ids of those rules. */
export const scoreOf = (fields: JsonObject, scoring: LeadScoring): Score => {
  const matched = scoring.rules.filter((rule) => matches(rule, valueOf(fields, rule)));
  const sum = matched.reduce((total, rule) => total + rule.points, 0);
  return { score: Math.min(100, Math.max(0, sum)), reasons: matched.map((rule) => rule.id) };
};

/** The lead's fields the rules read: a change to one of them rescoring the lead. */
export const fieldsRead = (scoring: LeadScoring): Set<string> => new Set(scoring.rules.map((rule) => sourceFieldOf(rule.field)));

const valueProblem = (rule: ScoringRule): string | undefined => {
  const { op, value } = rule;
  if (op === 'present' || op === 'absent') return value === undefined ? undefined : `rule ${rule.id}: ${op} takes no value`;
  if (op === 'eq') return typeof value === 'string' ? undefined : `rule ${rule.id}: eq takes one text value`;
  if (op === 'in') return Array.isArray(value) ? undefined : `rule ${rule.id}: in takes a list of values`;
  return value === undefined ? `rule ${rule.id}: ${op} needs a value` : undefined;
};

const ruleProblems = (rule: ScoringRule): string[] => {
  if (!(SCORED_FIELDS as readonly string[]).includes(rule.field)) return [`rule ${rule.id}: unknown field ${rule.field}`];
  if (!(SCORING_OPS as readonly string[]).includes(rule.op)) return [`rule ${rule.id}: unknown op ${rule.op}`];
  const problem = valueProblem(rule);
  return problem ? [problem] : [];
};

/** What is wrong with the rules' meaning: an unknown field or op, a value the op does not take, an id given twice. */
export const scoringProblemsOf = (scoring: LeadScoring): string[] => {
  const ids = scoring.rules.map((rule) => rule.id);
  return [
    ...scoring.rules.flatMap(ruleProblems),
    ...ids.filter((id, i) => ids.indexOf(id) !== i).map((id) => `rule ${id} is given twice`),
  ];
};

const VALUE = { type: 'string', minLength: 1, maxLength: 200 };

/** The section's shape; its fields and ops are checked by `scoringProblemsOf` (422 `invalid_lead_scoring`, a stable code). */
export const LEAD_SCORING_SCHEMA = {
  type: 'object', additionalProperties: false, required: ['rules'],
  properties: {
    rules: {
      type: 'array', maxItems: 100,
      items: {
        type: 'object', additionalProperties: false, required: ['id', 'field', 'op', 'points'],
        properties: {
          id: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,49}$' },
          field: { type: 'string', minLength: 1, maxLength: 50 },
          op: { type: 'string', minLength: 1, maxLength: 20 },
          value: { anyOf: [VALUE, { type: 'array', minItems: 1, maxItems: 50, items: VALUE }] },
          points: { type: 'integer', minimum: -100, maximum: 100 },
        },
      },
    },
  },
};
