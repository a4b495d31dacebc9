/**
 * Catalogue records (partners, resources, assets…) are declared once as data; generic code derives
 * their events, state and `evolve` here, their commands and `decide` in `commands/catalogue.ts`,
 * and (later) their projection, queries, routes and OpenAPI. Rule-bearing aggregates do not use
 * this: they get explicit deciders.
 */
import { unreachable } from '../commands/decider.js';
import type { JsonObject, JsonValue } from './log/port.js';
import type { PersonalDataSpec, PersonalDataSpecs } from './personal-data/protect.js';
import { assertClassified, type DataClass } from './classification.js';

/** A record kind, described once. */
export type RecordKind = {
  /** The aggregate type in stream names, e.g. `marketing.partner`. */
  type: string;
  /** The prefix of its event types, e.g. `Partner` → `PartnerCreated`. */
  eventPrefix: string;
  /** JSON Schema of each field (the value of `properties`). */
  fields: Record<string, JsonObject>;
  /** Fields a create must carry. */
  required: string[];
  /** Fields holding personal data (encrypted under the subject's key). */
  personal: string[];
  /**
   * Personal fields declared so after events were stored with them in plaintext: those events keep
   * them as written, and readers treat them as personal (`personal-data/legacy.ts`).
   */
  legacyPlaintext?: string[];
  /** The class of every field; `personal` and `sensitive` ones are exactly `personal` (see `classification.ts`). */
  classification: Record<string, DataClass>;
  /**
   * Who the personal data is about: `self`, a person of their own (their subject id is chosen at
   * create and kept, e.g. a lead's when it converts), or the subject id held in that field.
   */
  subject?: 'self' | { field: string };
  filterable: string[];
  sortable: string[];
  searchable?: string[];
  /**
   * String fields unique per tenant among active records (e.g. a contact's `email`), compared by
   * the tenant's lookup hash of the normalized value (`projections/uniqueness.ts`).
   */
  unique?: string[];
  /**
   * Fields only the kind's own events set (a lead's status), or its projection (a lead's possible
   * duplicates): read, listed and filtered, never sent in a create or patch.
   */
  readOnly?: string[];
  /**
   * A rule-bearing kind's own events beyond the generic six, by name after the prefix (`Qualified`),
   * each as the field changes it makes: the generic state, record views and projection follow them.
   */
  effects?: Readonly<Record<string, (data: JsonObject) => JsonObject>>;
  /**
   * The personal values of the kind's own events, by name after the prefix (`Qualified`): each data
   * path and the `personal` field its effect copies it to (a lead's `{ reason: 'statusReason' }`).
   * Such an event carries the record's `subjectId`, whose key encrypts them.
   */
  personalEffects?: Readonly<Record<string, Readonly<Record<string, string>>>>;
};

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/** `subjectId` is present in the data of kinds that declare a subject (it names whom to encrypt for). */
export type RecordEvent =
  | { type: 'Created'; data: { subjectId?: string | null; fields: JsonObject; ownerId: string | null; tags: string[] } }
  | { type: 'Updated'; data: { subjectId?: string | null; changes: JsonObject } }
  | { type: 'Archived'; data: { reason: string | null } }
  | { type: 'Restored'; data: Record<string, never> }
  | { type: 'OwnerAssigned'; data: { ownerId: string } }
  | { type: 'Tagged'; data: { added: string[]; removed: string[] } };

export type RecordEventName = RecordEvent['type'];

/** The stored type of a generic event for a kind: `Partner` + `Created` → `PartnerCreated`. */
export const eventTypeOf = (kind: RecordKind, name: RecordEventName): string => `${kind.eventPrefix}${name}`;

/** The generic name of a stored event type of this kind, or undefined when it is not one. */
export const eventNameOf = (kind: RecordKind, type: string): RecordEventName | undefined => {
  const name = type.startsWith(kind.eventPrefix) ? type.slice(kind.eventPrefix.length) : '';
  return (['Created', 'Updated', 'Archived', 'Restored', 'OwnerAssigned', 'Tagged'] as const).find((n) => n === name);
};

/** The field changes a kind's own (non-generic) event makes, or undefined when it is not one of its effects. */
export const effectOf = (kind: RecordKind, type: string, data: JsonObject): JsonObject | undefined => {
  const name = type.startsWith(kind.eventPrefix) ? type.slice(kind.eventPrefix.length) : '';
  return kind.effects && Object.hasOwn(kind.effects, name) ? kind.effects[name]!(data) : undefined;
};

/** The stored types of a kind's own events that have effects (`LeadQualified`…). */
export const effectTypesOf = (kind: RecordKind): string[] => Object.keys(kind.effects ?? {}).map((name) => `${kind.eventPrefix}${name}`);

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

export type RecordBody = { subjectId: string | null; fields: JsonObject; ownerId: string | null; tags: string[] };

export type RecordState =
  | { status: 'none' }
  | ({ status: 'active' } & RecordBody)
  | ({ status: 'archived' } & RecordBody);

export const initialRecordState = (): RecordState => ({ status: 'none' });

const merge = (fields: JsonObject, changes: JsonObject): JsonObject => {
  const next: Record<string, JsonValue> = { ...fields };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
};

const retag = (tags: string[], added: string[], removed: string[]): string[] =>
  [...tags.filter((t) => !removed.includes(t)), ...added].sort();

export const evolveRecord = (state: RecordState, event: RecordEvent): RecordState => {
  if (event.type === 'Created') {
    const { fields, ownerId, tags, subjectId } = event.data;
    return { status: 'active', subjectId: subjectId ?? null, fields, ownerId, tags: [...tags].sort() };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'Updated':
      return { ...state, subjectId: event.data.subjectId ?? state.subjectId, fields: merge(state.fields, event.data.changes) };
    case 'Archived':
      return { ...state, status: 'archived' };
    case 'Restored':
      return { ...state, status: 'active' };
    case 'OwnerAssigned':
      return { ...state, ownerId: event.data.ownerId };
    case 'Tagged':
      return { ...state, tags: retag(state.tags, event.data.added, event.data.removed) };
    default:
      return unreachable(event);
  }
};

// ---------------------------------------------------------------------------------------------
// Personal data
// ---------------------------------------------------------------------------------------------

/** The specs of the kind's own events with personal values, by stored type: the values whose field `holds` (default: all). */
const ownSpecs = (kind: RecordKind, holds: (field: string) => boolean = () => true): Array<[string, PersonalDataSpec]> =>
  Object.entries(kind.personalEffects ?? {}).flatMap(([name, paths]): Array<[string, PersonalDataSpec]> => {
    const fields = Object.keys(paths).filter((path) => holds(paths[path]!));
    return fields.length === 0 ? [] : [[`${kind.eventPrefix}${name}`, { subjectField: 'subjectId', fields }]];
  });

/**
 * Which fields of the kind's events are personal, under the `subjectId` the events carry.
 * @throws ClassificationError when the kind's classification disagrees with its encrypted fields.
 */
export const personalDataOf = (kind: RecordKind): Record<string, PersonalDataSpecs> => {
  assertClassified(kind);
  if (kind.personal.length === 0) return {};
  return {
    [eventTypeOf(kind, 'Created')]: { subjectField: 'subjectId', fields: kind.personal.map((f) => `fields.${f}`) },
    [eventTypeOf(kind, 'Updated')]: { subjectField: 'subjectId', fields: kind.personal.map((f) => `changes.${f}`) },
    ...Object.fromEntries(ownSpecs(kind)),
  };
};

/**
 * Where the kind's events stored before `legacyPlaintext` was declared personal hold those values,
 * by event type: its generic events, and its own events whose personal values go to those fields.
 */
export const legacyPlaintextOf = (kind: RecordKind): Array<[string, PersonalDataSpec]> => {
  const names = kind.legacyPlaintext ?? [];
  if (names.length === 0) return [];
  return [
    [eventTypeOf(kind, 'Created'), { subjectField: 'subjectId', fields: names.map((f) => `fields.${f}`) }],
    [eventTypeOf(kind, 'Updated'), { subjectField: 'subjectId', fields: names.map((f) => `changes.${f}`) }],
    ...ownSpecs(kind, (field) => names.includes(field)),
  ];
};

/** The field an own event's personal value at `path` goes to (`reason` of `LeadQualified`: `statusReason`), or the path itself. */
export const effectFieldOf = (kind: RecordKind, type: string, path: string): string => {
  const name = type.startsWith(kind.eventPrefix) ? type.slice(kind.eventPrefix.length) : '';
  const paths = kind.personalEffects && Object.hasOwn(kind.personalEffects, name) ? kind.personalEffects[name]! : {};
  return Object.hasOwn(paths, path) ? paths[path]! : path;
};

const TEXT = /\S/u;
/**
 * The pattern of a text that must say something (a name, a reason): whitespace alone is refused as
 * an empty string is (400 `validation_failed`), since scoring reads it as absent and a conversion
 * would name an account after it.
 */
export const HAS_TEXT = TEXT.source;

/** The schema of a name (an account's, a web form's, an organization's, a user's, an API client's). */
export const NAME = { type: 'string', minLength: 1, maxLength: 200, pattern: HAS_TEXT } as const;

/** Whether a value holds text (not absent, empty or whitespace only): e.g. a lead's company worth an account. */
export const hasText = (value: unknown): value is string => typeof value === 'string' && TEXT.test(value);

/**
 * The request schema of a reason a rule requires (losing a deal, rejecting a quote, disqualifying a
 * lead, cancelling an activity): optional in the body, so that a missing, empty or whitespace-only
 * reason is the decider's 422 `reason_required` (`hasText`), as every rule violation is; a reason
 * that is not a string or is too long stays a 400.
 */
export const RULE_REASON = {
  type: 'string', maxLength: 500, description: 'Required by the rule: missing, empty or whitespace only is a 422 `reason_required`',
} as const;
