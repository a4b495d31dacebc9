/**
 * Leads (Sales): people who might buy, before they are qualified and converted. A lead is about a
 * person of their own (`subject: 'self'`); the contact it converts into keeps that subject id, so
 * one erasure covers the person everywhere; its job title and its qualify and disqualify reasons
 * (`statusReason`: free text that may name the person) were stored in plaintext before (`legacyPlaintext`). Beside the generic events (`LeadCreated`…) a lead has its own (status
 * changed, qualified, disqualified, converted, scored), whose effects on the read side are declared here.
 * Its `score` and `scoreReasons` are the server's (see `lead-scoring.ts`); old leads keep a client-given score until rescored.
 * Its `possibleDuplicates` and `duplicate` no event carries: the leads projection computes them (`projections/sales/lead-duplicates.ts`).
 */
import { HAS_TEXT, type RecordKind } from '../catalogue.js';
import type { JsonObject } from '../log/port.js';
import { contactKind } from './contact.js';

export const LEAD_QUALIFIED = 'LeadQualified';
export const LEAD_DISQUALIFIED = 'LeadDisqualified';
export const LEAD_CONVERTED = 'LeadConverted';
export const LEAD_STATUS_CHANGED = 'LeadStatusChanged';

/** Statuses only the lead's rules set (qualify, disqualify, convert); the tenant's other statuses are set by hand. */
export const RULED_LEAD_STATUSES: readonly string[] = ['qualified', 'disqualified', 'converted'];

/** What a conversion created (the ids derive from the converting command's id). */
export type Conversion = { contactId: string; accountId: string | null; opportunityId: string | null };

export type LeadOwnEvent =
  | { type: typeof LEAD_QUALIFIED; data: { subjectId: string | null; reason: string | null } }
  | { type: typeof LEAD_DISQUALIFIED; data: { subjectId: string | null; reason: string } }
  | { type: typeof LEAD_CONVERTED; data: Conversion }
  | { type: typeof LEAD_STATUS_CHANGED; data: { status: string } };

const ID = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$' };

/** How many possible duplicates a lead lists at most. */
export const MAX_POSSIBLE_DUPLICATES = 20;

const POSSIBLE_DUPLICATES = {
  type: 'array',
  maxItems: MAX_POSSIBLE_DUPLICATES,
  items: { type: 'object', additionalProperties: false, required: ['kind', 'id'], properties: { kind: { enum: ['contact', 'lead'] }, id: ID } },
  description: [
    "A warning, never a refusal: the tenant's active contacts (not archived or merged) and open leads (not converted or archived)",
    `whose email is this open lead's, compared normalized; contacts first, then the oldest; at most ${MAX_POSSIBLE_DUPLICATES}.`,
    'Empty for a lead that is not open. Computed by the read model: a read from the log (`asOf`) does not carry it',
  ].join(' '),
};

// The person's fields are the contact's: a converted lead's values must be valid on its contact.
const person = (name: string): JsonObject => contactKind.fields[name]!;
const named = (schema: JsonObject, example: string): JsonObject => ({ ...schema, pattern: HAS_TEXT, examples: [example] });

export const leadKind: RecordKind = {
  type: 'sales.lead',
  eventPrefix: 'Lead',
  fields: {
    firstName: named(person('firstName'), 'Ada'),
    lastName: named(person('lastName'), 'Lovelace'),
    email: person('email'),
    phone: person('phone'),
    company: named({ type: 'string', minLength: 1, maxLength: 200 }, 'Analytical Engines Ltd'),
    jobTitle: person('jobTitle'),
    source: { type: 'string', minLength: 1, maxLength: 50 },
    utmSource: { type: 'string', minLength: 1, maxLength: 100 },
    utmMedium: { type: 'string', minLength: 1, maxLength: 100 },
    utmCampaign: { type: 'string', minLength: 1, maxLength: 100 },
    utmTerm: { type: 'string', minLength: 1, maxLength: 100 },
    utmContent: { type: 'string', minLength: 1, maxLength: 100 },
    message: { type: 'string', minLength: 1, maxLength: 2000 },
    score: { type: 'integer', minimum: 0, maximum: 100 },
    scoreReasons: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 50 } },
    leadStatus: { type: 'string', maxLength: 50 },
    statusReason: { type: 'string', maxLength: 500 },
    convertedContactId: ID,
    convertedAccountId: ID,
    convertedOpportunityId: ID,
    possibleDuplicates: POSSIBLE_DUPLICATES,
    duplicate: { type: 'boolean', description: 'Whether `possibleDuplicates` lists any record (filter `duplicate[eq]:true`)' },
  },
  required: ['firstName', 'lastName', 'email'],
  personal: ['firstName', 'lastName', 'email', 'phone', 'jobTitle', 'message', 'statusReason'],
  legacyPlaintext: ['jobTitle', 'statusReason'],
  classification: {
    firstName: 'personal', lastName: 'personal', email: 'personal', phone: 'personal', jobTitle: 'personal', message: 'personal',
    utmSource: 'internal', utmMedium: 'internal', utmCampaign: 'internal', utmTerm: 'internal', utmContent: 'internal',
    company: 'internal', source: 'internal', score: 'internal', scoreReasons: 'internal', leadStatus: 'internal',
    statusReason: 'personal', convertedContactId: 'internal', convertedAccountId: 'internal', convertedOpportunityId: 'internal',
    possibleDuplicates: 'internal', duplicate: 'internal',
  },
  subject: 'self',
  filterable: ['lastName', 'email', 'company', 'source', 'score', 'leadStatus', 'convertedContactId', 'utmSource', 'utmCampaign', 'duplicate'],
  sortable: ['lastName', 'company', 'score'],
  searchable: ['firstName', 'lastName', 'email', 'company'],
  readOnly: [
    'score', 'scoreReasons', 'leadStatus', 'statusReason', 'convertedContactId', 'convertedAccountId', 'convertedOpportunityId', 'possibleDuplicates', 'duplicate',
  ],
  effects: {
    Scored: (data: JsonObject) => ({ score: data.score ?? null, scoreReasons: data.reasons ?? null }),
    Qualified: (data: JsonObject) => ({ leadStatus: 'qualified', statusReason: data.reason ?? null }),
    Disqualified: (data: JsonObject) => ({ leadStatus: 'disqualified', statusReason: data.reason ?? null }),
    StatusChanged: (data: JsonObject) => ({ leadStatus: data.status ?? null, statusReason: null }),
    Converted: (data: JsonObject) => ({
      leadStatus: 'converted',
      convertedContactId: data.contactId ?? null,
      convertedAccountId: data.accountId ?? null,
      convertedOpportunityId: data.opportunityId ?? null,
    }),
  },
  personalEffects: { Qualified: { reason: 'statusReason' }, Disqualified: { reason: 'statusReason' } },
};
