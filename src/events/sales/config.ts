/**
 * The sales configuration of a tenant (Super Admin → Sales config): lead statuses, pipelines with
 * ordered stages and their probabilities, currencies, tax rates and quote numbering. It is
 * event-sourced (one stream per tenant) and read by commands as an input; a tenant that never
 * configured anything works with `DEFAULT_SALES_CONFIG`.
 */
import type { JsonObject } from '../log/port.js';
import { DEFAULT_LEAD_SCORING, type LeadScoring } from './lead-scoring.js';

export type Stage = { id: string; name: string; probability: number };
export type Pipeline = { id: string; name: string; stages: Stage[] };
export type TaxRate = { id: string; name: string; basisPoints: number };
/** A product of the price book: its price (integer minor units) in each currency it is sold in. */
export type Product = { id: string; name: string; prices: Array<{ amount: number; currency: string }> };
/** A role a contact may hold at an account it is linked to (decision maker, billing…). */
export type ContactRole = { id: string; name: string };

export type SalesConfig = {
  leadStatuses: string[];
  pipelines: Pipeline[];
  defaultPipeline: string;
  currencies: string[];
  defaultCurrency: string;
  taxRates: TaxRate[];
  quoteNumbering: { prefix: string; padding: number };
  /** Absent in configurations stored before the price book existed: read it with `priceBookOf`. */
  priceBook?: Product[];
  /** Absent in configurations stored before account links existed: read it with `contactRolesOf`. */
  contactRoles?: ContactRole[];
  /** Absent in configurations stored before lead scoring existed: read it with `scoringOf` (the defaults). */
  leadScoring?: LeadScoring;
  /** From which stage probability (percent) an open deal counts in the commit forecast; absent before it was configurable: `commitProbabilityOf`. */
  forecast?: { commitProbability: number };
};

/** Every pipeline closes in these two stages; they are not configured. */
export const CLOSING_STAGES: readonly Stage[] = [
  { id: 'won', name: 'Won', probability: 100 },
  { id: 'lost', name: 'Lost', probability: 0 },
];

export const DEFAULT_SALES_CONFIG: SalesConfig = {
  leadStatuses: ['new', 'contacted', 'nurturing', 'qualified', 'disqualified', 'converted'],
  pipelines: [{
    id: 'default',
    name: 'Sales pipeline',
    stages: [
      { id: 'qualification', name: 'Qualification', probability: 10 },
      { id: 'needs_analysis', name: 'Needs analysis', probability: 20 },
      { id: 'proposal', name: 'Proposal', probability: 50 },
      { id: 'negotiation', name: 'Negotiation', probability: 80 },
    ],
  }],
  defaultPipeline: 'default',
  currencies: ['EUR', 'USD', 'GBP'],
  defaultCurrency: 'EUR',
  taxRates: [{ id: 'standard', name: 'Standard', basisPoints: 2000 }, { id: 'reduced', name: 'Reduced', basisPoints: 550 }],
  quoteNumbering: { prefix: 'Q-{year}-', padding: 4 },
  priceBook: [],
  contactRoles: [
    { id: 'decision_maker', name: 'Decision maker' }, { id: 'economic_buyer', name: 'Economic buyer' },
    { id: 'technical', name: 'Technical' }, { id: 'billing', name: 'Billing' }, { id: 'influencer', name: 'Influencer' },
    { id: 'champion', name: 'Champion' }, { id: 'user', name: 'User' },
  ],
  leadScoring: DEFAULT_LEAD_SCORING,
  forecast: { commitProbability: 75 },
};

/** The stage probability from which an open deal counts in the commit forecast (75 % unless configured). */
export const commitProbabilityOf = (config: SalesConfig): number => config.forecast?.commitProbability ?? 75;

/** The tenant's products (none when the configuration predates the price book). */
export const priceBookOf = (config: SalesConfig): Product[] => config.priceBook ?? [];

/** The tenant's contact roles (the defaults when the configuration predates them). */
export const contactRolesOf = (config: SalesConfig): ContactRole[] => config.contactRoles ?? DEFAULT_SALES_CONFIG.contactRoles ?? [];

/** The aggregate type of the configuration stream (one per tenant, id `SALES_CONFIG_ID`). */
export const SALES_CONFIG_TYPE = 'sales.config';
export const SALES_CONFIG_ID = 'current';

/** The one event: the whole configuration as it is from now on. */
export const SALES_CONFIGURED = 'SalesConfigured';
export type SalesConfigured = { type: typeof SALES_CONFIGURED; data: { config: SalesConfig & JsonObject } };

/** The open (configured) stage of a pipeline, or undefined. */
export const openStageOf = (config: SalesConfig, pipelineId: string, stageId: string): Stage | undefined =>
  config.pipelines.find((p) => p.id === pipelineId)?.stages.find((s) => s.id === stageId);

/** The pipeline of that id, or undefined. */
export const pipelineOf = (config: SalesConfig, pipelineId: string): Pipeline | undefined =>
  config.pipelines.find((p) => p.id === pipelineId);

/** The configuration stream's state: never configured (defaults apply), or configured. */
export type SalesConfigState = { status: 'default' } | { status: 'configured'; config: SalesConfig };

export const initialSalesConfigState = (): SalesConfigState => ({ status: 'default' });

/** Folds one event of the configuration stream (other types leave it as it is). */
export const evolveSalesConfig = (state: SalesConfigState, event: { type: string; data: JsonObject }): SalesConfigState =>
  event.type === SALES_CONFIGURED ? { status: 'configured', config: (event.data as SalesConfigured['data']).config } : state;

/**
 * The configuration with the sections it leaves out (stored before they existed, or left out of a
 * `PUT`) at their defaults: what its readers apply, so what it answers and is compared with.
 */
export const withDefaultSections = (config: SalesConfig): SalesConfig => ({
  priceBook: priceBookOf(config), contactRoles: contactRolesOf(config),
  leadScoring: DEFAULT_SALES_CONFIG.leadScoring, forecast: { commitProbability: commitProbabilityOf(config) }, ...config,
});

/** The configuration in effect. */
export const effectiveSalesConfig = (state: SalesConfigState): SalesConfig =>
  state.status === 'configured' ? withDefaultSections(state.config) : DEFAULT_SALES_CONFIG;
