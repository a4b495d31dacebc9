/**
 * The Contact aggregate: the catalogue's generic commands (create, update with the changed fields
 * only, archive, restore, owner, tags) plus merging duplicates. The survivor absorbs the loser
 * (filling the fields it lacks from the loser's, under its own subject, and adding the loser's
 * tags it lacks: one `ContactTagged`, so it ends with the union of both); the loser is marked
 * merged into the survivor and archived, and is read-only from then on. Both deciders answer no
 * events when the merge already happened, so a retried merge changes nothing; the survivor also
 * gains the loser's account links (roles united). Links to accounts: see `contact-accounts.ts`;
 * `accountId` names an account of the tenant (`record-links.ts`).
 */
import { ConflictError, NotFoundError } from '../../errors.js';
import { eventTypeOf, personalDataOf } from '../../events/catalogue.js';
import type { JsonObject } from '../../events/log/port.js';
import { CONTACT_ABSORBED, CONTACT_MERGED, contactKind, type ContactOwnEvent } from '../../events/sales/contact.js';
import { unreachable, type Decider, type DomainEvent } from '../decider.js';
import type { Aggregate } from '../handle.js';
import {
  absorbLinks, linkToAccount, linksOf, unlinkFromAccount, type LinkContactToAccount, type UnlinkContactFromAccount,
} from './contact-accounts.js';
import { bodyOf, genericPart, isGenericCommand, liveBody, type LiveBody } from '../rule-record.js';
import { assertLinksFound, type LinkCheckedRecordCommand } from '../record-links.js';

type Merges = { absorbed: readonly string[] };

export type ContactState =
  | { status: 'none' }
  | ({ status: 'live' } & LiveBody & Merges)
  | ({ status: 'merged'; into: string } & LiveBody & Merges);

export type ContactCommand =
  | LinkCheckedRecordCommand
  /** To the survivor: `loser` is the loser's state as folded just before (personal fields revealed). */
  | { type: 'AbsorbContact'; from: string; loser: ContactState }
  /** To the loser. */
  | { type: 'MergeContact'; into: string }
  | LinkContactToAccount
  | UnlinkContactFromAccount;

const generic = genericPart(contactKind);

const own = (event: DomainEvent): ContactOwnEvent | undefined =>
  event.type === CONTACT_MERGED || event.type === CONTACT_ABSORBED ? (event as ContactOwnEvent) : undefined;

const mergesOf = (state: ContactState): Merges => ({ absorbed: state.status === 'none' ? [] : state.absorbed });

const evolveOwn = (state: ContactState, event: ContactOwnEvent, body: LiveBody): ContactState => {
  switch (event.type) {
    case CONTACT_MERGED:
      return { ...body, ...mergesOf(state), status: 'merged', into: event.data.into };
    case CONTACT_ABSORBED: {
      const absorbed = [...mergesOf(state).absorbed, event.data.from];
      return state.status === 'merged' ? { ...state, ...body, absorbed } : { ...body, status: 'live', absorbed };
    }
    default:
      return unreachable(event);
  }
};

const evolve = (state: ContactState, event: DomainEvent): ContactState => {
  const body = generic.evolve(bodyOf(state), event);
  if (body === undefined) return state;
  const ownEvent = own(event);
  if (ownEvent) return evolveOwn(state, ownEvent, body);
  return state.status === 'none' ? { ...body, status: 'live', absorbed: [] } : { ...state, ...body };
};

const CONTACT_UPDATED = eventTypeOf(contactKind, 'Updated');

/** An update moving the primary account (`accountId`) carries the links re-flagged, so `accounts` agrees with it. */
const reflagged = (event: DomainEvent, body: LiveBody | undefined): DomainEvent => {
  const changes = event.data.changes as JsonObject | undefined;
  if (event.type !== CONTACT_UPDATED || !body || !changes || !Object.hasOwn(changes, 'accountId')) return event;
  const links = linksOf(body);
  if (links.length === 0) return event;
  const accounts = links.map((link) => ({ ...link, primary: link.accountId === changes.accountId }));
  return { ...event, data: { ...event.data, changes: { ...changes, accounts } } };
};

const mergedError = (into: string): ConflictError =>
  new ConflictError('contact_merged', 'The contact was merged into another; it is read-only', { mergedInto: into });

/** The contact a merge acts on: existing, not archived, not merged. */
const mergeable = (state: ContactState): Extract<ContactState, { status: 'live' }> => {
  if (state.status === 'merged') throw mergedError(state.into);
  liveBody(bodyOf(state));
  return state as Extract<ContactState, { status: 'live' }>;
};

/** The loser's writable fields the survivor lacks. */
const missingFields = (survivor: JsonObject, loser: JsonObject): JsonObject =>
  Object.fromEntries(
    Object.entries(loser).filter(([name, value]) => value !== null && survivor[name] === undefined && !contactKind.readOnly?.includes(name)),
  );

const absorb = (state: ContactState, { from, loser }: Extract<ContactCommand, { type: 'AbsorbContact' }>): DomainEvent[] => {
  const survivor = mergeable(state);
  if (survivor.absorbed.includes(from)) return [];
  if (loser.status === 'none') throw new NotFoundError('No such contact to merge', { loserId: from });
  const source = mergeable(loser);
  const fill = generic.decide({ type: 'UpdateRecord', changes: missingFields(survivor.fields, source.fields) }, survivor)
    .map((event) => reflagged(event, survivor));
  const tags = generic.decide({ type: 'TagRecord', add: source.tags, remove: [] }, survivor);
  return [{ type: CONTACT_ABSORBED, data: { from } }, ...fill, ...tags, ...absorbLinks(survivor, source)];
};

const merge = (state: ContactState, into: string): DomainEvent[] => {
  if (state.status === 'merged' && state.into === into) return [];
  const loser = mergeable(state);
  return [{ type: CONTACT_MERGED, data: { into } }, ...generic.decide({ type: 'ArchiveRecord', reason: `merged into ${into}` }, loser)];
};

/** A generic command, on a contact not merged; its `accountId` names an account of the tenant (read before, `record-links.ts`). */
const decideGeneric = ({ links, ...command }: LinkCheckedRecordCommand, state: ContactState): DomainEvent[] => {
  if (state.status === 'merged') throw mergedError(state.into);
  const events = generic.decide(command, bodyOf(state)).map((event) => reflagged(event, bodyOf(state)));
  assertLinksFound(links, bodyOf(state)?.fields);
  return events;
};

const decide = (command: ContactCommand, state: ContactState): DomainEvent[] => {
  if (isGenericCommand(command)) return decideGeneric(command, state);
  switch (command.type) {
    case 'AbsorbContact':
      return absorb(state, command);
    case 'MergeContact':
      return merge(state, command.into);
    case 'LinkContactToAccount':
      return linkToAccount(mergeable(state), command);
    case 'UnlinkContactFromAccount':
      return unlinkFromAccount(mergeable(state), command.accountId);
    default:
      return unreachable(command);
  }
};

export const contactDecider: Decider<ContactCommand, DomainEvent, ContactState> = {
  initialState: () => ({ status: 'none' }),
  evolve,
  decide,
};

export const contactAggregate: Aggregate<ContactCommand, DomainEvent, ContactState> = {
  type: contactKind.type,
  decider: contactDecider,
  personalData: personalDataOf(contactKind),
};
