/**
 * Catalogue records (partners, resources, assets…) are declared once as data; generic code derives
 * their events, state and `evolve` here, their commands and `decide` in `commands/catalogue.ts`,
 * and (later) their projection, queries, routes and OpenAPI. Rule-bearing aggregates do not use
 * this: they get explicit deciders.
 */
import { unreachable } from '../commands/decider.js';
import type { JsonObject, JsonValue } from './log/port.js';

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
  /** Who the personal data is about: the record itself (`self`) or the id in that field. */
  subject?: 'self' | { field: string };
  filterable: string[];
  sortable: string[];
  searchable?: string[];
};

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

export type RecordEvent =
  | { type: 'Created'; data: { fields: JsonObject; ownerId: string | null; tags: string[] } }
  | { type: 'Updated'; data: { changes: JsonObject } }
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

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

export type RecordBody = { fields: JsonObject; ownerId: string | null; tags: string[] };

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
  if (event.type === 'Created') return { status: 'active', ...event.data, tags: [...event.data.tags].sort() };
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'Updated':
      return { ...state, fields: merge(state.fields, event.data.changes) };
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
