/**
 * Rule-bearing records built on the catalogue (design §2): an explicit decider with a state union
 * of its own keeps the generic part of its record (fields, owner, tags, archived) as a `LiveBody`,
 * folds the generic events and its own events' effects with the catalogue's `evolve`, and decides
 * the generic commands (update, archive, owner, tags) with the catalogue's `decide`.
 */
import { ConflictError, NotFoundError } from '../errors.js';
import type { RecordBody, RecordKind, RecordState } from '../events/catalogue.js';
import { catalogueDecider, type RecordCommand } from './catalogue.js';
import type { DomainEvent } from './decider.js';

/** The generic part of a rule-bearing record's state. */
export type LiveBody = RecordBody & { archived: boolean };

/** The catalogue state of a record whose generic part is `body` (undefined: it does not exist). */
export const catalogueStateOf = (body: LiveBody | undefined): RecordState => {
  if (body === undefined) return { status: 'none' };
  const { archived, subjectId, fields, ownerId, tags } = body;
  return { status: archived ? 'archived' : 'active', subjectId, fields, ownerId, tags };
};

/** The generic part of a state union member (`none` has none). */
export const bodyOf = (state: { status: string } & Partial<LiveBody>): LiveBody | undefined =>
  state.status === 'none' ? undefined : (state as LiveBody);

/** The generic half of a rule-bearing kind's decider: `evolve` of the body, and `decide` of generic commands. */
export const genericPart = (kind: RecordKind) => {
  const catalogue = catalogueDecider(kind);
  return {
    /** The body after any event of the kind (generic, or one with an effect on its fields). */
    evolve: (body: LiveBody | undefined, event: DomainEvent): LiveBody | undefined => {
      const next = catalogue.evolve(catalogueStateOf(body), event);
      return next.status === 'none' ? undefined : { subjectId: next.subjectId, fields: next.fields, ownerId: next.ownerId, tags: next.tags, archived: next.status === 'archived' };
    },
    decide: (command: RecordCommand, body: LiveBody | undefined): DomainEvent[] => catalogue.decide(command, catalogueStateOf(body)),
  };
};

const GENERIC: ReadonlySet<string> = new Set<RecordCommand['type']>(['CreateRecord', 'UpdateRecord', 'ArchiveRecord', 'RestoreRecord', 'AssignOwner', 'TagRecord']);

/** Whether a rule-bearing aggregate's command is one of the generic ones (the rest are its own). */
export const isGenericCommand = (command: { type: string }): command is RecordCommand => GENERIC.has(command.type);

/** The body a rule command acts on: 404 when the record does not exist, 409 `record_archived` when archived. */
export const liveBody = (body: LiveBody | undefined): LiveBody => {
  if (body === undefined) throw new NotFoundError('No such record');
  if (body.archived) throw new ConflictError('record_archived', 'The record is archived; restore it first');
  return body;
};
