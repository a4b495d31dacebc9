/**
 * The sales configuration aggregate (one stream per tenant): replaced whole (`ConfigureSales`, a
 * PUT) or changed by top-level sections (`ChangeSalesConfig`, a PATCH, merged over the
 * configuration in effect, defaults included). Rules: pipelines and their stages, lead statuses,
 * products (and their prices per currency), contact roles and tax rates have unique ids, currencies
 * are ISO 4217 codes (as the runtime's `Intl` lists them), lead statuses keep the lifecycle's own
 * (new, qualified, disqualified, converted), prices are in configured currencies, the quote numbering prefix carries `{year}` (and no other placeholder, nor a stray brace),
 * no configured stage is named like a closing one (won, lost), the default pipeline and the
 * default currency exist, lead scoring rules name known fields and ops (422 `invalid_lead_scoring`).
 */
import { RuleViolationError } from '../../errors.js';
import type { JsonObject } from '../../events/log/port.js';
import {
  CLOSING_STAGES, SALES_CONFIG_TYPE, contactRolesOf, priceBookOf, SALES_CONFIGURED, effectiveSalesConfig, evolveSalesConfig, initialSalesConfigState, withDefaultSections,
  type SalesConfig, type SalesConfigState,
} from '../../events/sales/config.js';
import { canonicalJson } from '../../events/log/canonical-json.js';
import { unreachable, type Decider, type DomainEvent } from '../decider.js';
import type { Aggregate } from '../handle.js';
import { validator } from '../validate.js';
import { LEAD_SCORING_SCHEMA, scoringOf, scoringProblemsOf } from './lead-scoring.js';

export type SalesConfigCommand =
  | { type: 'ConfigureSales'; config: SalesConfig }
  | { type: 'ChangeSalesConfig'; changes: Partial<SalesConfig> };

const duplicates = (ids: string[]): string[] => ids.filter((id, i) => ids.indexOf(id) !== i);

/**
 * Quote numbers restart each year: the prefix carries `{year}`, or numbers would repeat. `{year}` is
 * its only placeholder, and a brace outside it (`Q-{year}-{`) would be printed as is into every number.
 */
const numberingProblems = (prefix: string): string[] => [
  ...(prefix.includes('{year}') ? [] : ['the quote numbering prefix needs {year}: the sequence starts again each year']),
  ...[...prefix.matchAll(/\{([^{}]*)\}/g)].filter((m) => m[1] !== 'year').map((m) => `the quote numbering prefix has an unknown placeholder {${m[1]}}`),
  ...(/[{}]/.test(prefix.replace(/\{[^{}]*\}/g, '')) ? ['the quote numbering prefix has a { or } outside a placeholder ({year} is the only one)'] : []),
];

/** ISO 4217 as the runtime's ICU knows it: a typo (`EUD`) or a made-up code (`ZZZ`) would price quotes in nothing. */
const ISO_CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** The statuses a lead's lifecycle sets by itself (create, qualify, disqualify, convert): every list keeps them. */
const LIFECYCLE_STATUSES = ['new', 'qualified', 'disqualified', 'converted'];

const problemsOf = (config: SalesConfig): string[] => [
  ...duplicates(config.pipelines.map((p) => p.id)).map((id) => `pipeline ${id} is given twice`),
  ...config.pipelines.flatMap((p) => duplicates(p.stages.map((s) => s.id)).map((id) => `stage ${id} is given twice in ${p.id}`)),
  ...config.pipelines.flatMap((p) =>
    p.stages.filter((s) => CLOSING_STAGES.some((c) => c.id === s.id)).map((s) => `${s.id} closes every pipeline; it is not configured (${p.id})`)),
  ...(config.pipelines.some((p) => p.id === config.defaultPipeline) ? [] : [`the default pipeline ${config.defaultPipeline} is not configured`]),
  ...config.currencies.filter((c) => !ISO_CURRENCIES.has(c)).map((c) => `currency ${c} is not an ISO 4217 code`),
  ...(config.currencies.includes(config.defaultCurrency) ? [] : [`the default currency ${config.defaultCurrency} is not configured`]),
  ...duplicates(config.leadStatuses).map((s) => `lead status ${s} is given twice`),
  ...LIFECYCLE_STATUSES.filter((s) => !config.leadStatuses.includes(s)).map((s) => `lead status ${s} is missing (leads reach it by their lifecycle)`),
  ...duplicates(priceBookOf(config).map((p) => p.id)).map((id) => `product ${id} is given twice`),
  ...priceBookOf(config).flatMap((p) => duplicates(p.prices.map((m) => m.currency)).map((c) => `product ${p.id} has two prices in ${c}`)),
  ...duplicates(contactRolesOf(config).map((r) => r.id)).map((id) => `contact role ${id} is given twice`),
  ...duplicates(config.taxRates.map((t) => t.id)).map((id) => `tax rate ${id} is given twice`),
  ...priceBookOf(config).flatMap((p) => p.prices.filter((m) => !config.currencies.includes(m.currency))
    .map((m) => `product ${p.id} has a price in ${m.currency}, which is not a configured currency`)),
  ...numberingProblems(config.quoteNumbering.prefix),
];

const configured = (config: SalesConfig, state: SalesConfigState): DomainEvent[] => {
  const scoring = scoringProblemsOf(scoringOf(config));
  if (scoring.length > 0) throw new RuleViolationError('invalid_lead_scoring', scoring.join('; '), { problems: scoring });
  const problems = problemsOf(config);
  if (problems.length > 0) throw new RuleViolationError('invalid_sales_config', problems.join('; '), { problems });
  if (canonicalJson(config as JsonObject) === canonicalJson(effectiveSalesConfig(state) as JsonObject) && state.status === 'configured') return [];
  return [{ type: SALES_CONFIGURED, data: { config: config as JsonObject } }];
};

const decide = (command: SalesConfigCommand, state: SalesConfigState): DomainEvent[] => {
  switch (command.type) {
    case 'ConfigureSales':
      return configured(withDefaultSections(command.config), state);
    case 'ChangeSalesConfig':
      return configured({ ...effectiveSalesConfig(state), ...command.changes }, state);
    default:
      return unreachable(command);
  }
};

export const salesConfigAggregate: Aggregate<SalesConfigCommand, DomainEvent, SalesConfigState> = {
  type: SALES_CONFIG_TYPE,
  decider: { initialState: initialSalesConfigState, evolve: evolveSalesConfig, decide } satisfies Decider<SalesConfigCommand, DomainEvent, SalesConfigState>,
};

// ---------------------------------------------------------------------------------------------
// Validation (every section bounded; unknown fields refused)
// ---------------------------------------------------------------------------------------------

const SLUG = { type: 'string', pattern: '^[a-z][a-z0-9_]{0,49}$' };
const NAME = { type: 'string', minLength: 1, maxLength: 100 };
const CURRENCY = { type: 'string', pattern: '^[A-Z]{3}$' };
const object = (properties: Record<string, object>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });
const list = (items: object, maxItems: number) => ({ type: 'array', minItems: 1, maxItems, items });

const PRICE = object({ amount: { type: 'integer', minimum: 0, maximum: 1e12 }, currency: CURRENCY });

const SECTIONS = {
  leadStatuses: list(SLUG, 50),
  pipelines: list(object({ id: SLUG, name: NAME, stages: list(object({ id: SLUG, name: NAME, probability: { type: 'integer', minimum: 0, maximum: 100 } }), 30) }), 20),
  defaultPipeline: SLUG,
  currencies: { ...list(CURRENCY, 50), uniqueItems: true },
  defaultCurrency: CURRENCY,
  taxRates: { ...list(object({ id: SLUG, name: NAME, basisPoints: { type: 'integer', minimum: 0, maximum: 10_000 } }), 50), minItems: 0 },
  quoteNumbering: object({ prefix: { type: 'string', pattern: '^[A-Za-z0-9{}_/-]{0,30}$' }, padding: { type: 'integer', minimum: 1, maximum: 10 } }),
  priceBook: { ...list(object({ id: SLUG, name: NAME, prices: list(PRICE, 50) }), 1000), minItems: 0 },
  contactRoles: { ...list(object({ id: SLUG, name: NAME }), 50), minItems: 0 },
  leadScoring: LEAD_SCORING_SCHEMA,
  forecast: object({ commitProbability: { type: 'integer', minimum: 1, maximum: 100 } }),
};

/** Sections added after the first configurations were stored: a `PUT` may leave them out (their defaults apply). */
const OPTIONAL_SECTIONS = ['priceBook', 'leadScoring', 'contactRoles', 'forecast'];

/** The whole configuration (PUT) and a change of some sections (PATCH). */
export const salesConfigValidators = {
  config: validator<SalesConfig>({ ...object(SECTIONS), required: Object.keys(SECTIONS).filter((s) => !OPTIONAL_SECTIONS.includes(s)) }),
  changes: validator<Partial<SalesConfig>>({ type: 'object', additionalProperties: false, minProperties: 1, properties: SECTIONS }),
};
