/**
 * Lead scoring rules, a section (`leadScoring`) of the tenant's sales configuration. Each rule reads
 * one field of a lead (or `emailDomain`, derived from its email), and adds its points (-100..100)
 * when it matches; a lead's score is the sum, clamped to 0..100, and its reasons the ids of the rules
 * that matched. The server computes both; a configuration stored before scoring existed reads the defaults.
 */

/** The fields a rule may read: the lead's own, and `emailDomain` (the part of its email after `@`). */
export const SCORED_FIELDS = [
  'source', 'utmSource', 'utmMedium', 'utmCampaign', 'utmTerm', 'utmContent', 'company', 'jobTitle', 'email', 'emailDomain', 'phone', 'message',
] as const;
export type ScoredField = (typeof SCORED_FIELDS)[number];

/** `eq` one value, `in` a list, `contains` a text (or any of a list), `present` / `absent` (no value). */
export const SCORING_OPS = ['eq', 'in', 'contains', 'present', 'absent'] as const;
export type ScoringOp = (typeof SCORING_OPS)[number];

export type ScoringRule = { id: string; field: ScoredField; op: ScoringOp; value?: string | string[]; points: number };
export type LeadScoring = { rules: ScoringRule[] };

/** A new organization's rules. */
export const DEFAULT_LEAD_SCORING: LeadScoring = {
  rules: [
    { id: 'company_given', field: 'company', op: 'present', points: 20 },
    { id: 'senior_title', field: 'jobTitle', op: 'contains', value: ['director', 'head', 'vp', 'chief'], points: 15 },
    { id: 'web_form', field: 'source', op: 'eq', value: 'web_form', points: 10 },
    { id: 'free_mail', field: 'emailDomain', op: 'in', value: ['gmail.com', 'yahoo.com', 'hotmail.com', 'outlook.com'], points: -20 },
    { id: 'phone_given', field: 'phone', op: 'present', points: 10 },
  ],
};

/** The lead's fields a rule of `field` reads (`emailDomain` reads `email`). */
export const sourceFieldOf = (field: ScoredField): string => (field === 'emailDomain' ? 'email' : field);

/** What a lead's scoring appends when the rules (or the lead) changed: `LeadScored`. */
export const LEAD_SCORED = 'LeadScored';
export type LeadScored = { type: typeof LEAD_SCORED; data: { score: number; reasons: string[] } };
