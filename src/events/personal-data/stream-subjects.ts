/**
 * Events of a record's own stored before their values were personal (a lead qualified, an activity
 * cancelled, a user deactivated, each with a plaintext reason) carry no `subjectId`: their legacy
 * plaintext is about the record's subject, which the stream's first event names (these records keep
 * the subject of their create). A reader of such events learns those subjects first, then reveals
 * with them (`readableEvent`'s `streamSubjects`); events that name their subject need no lookup.
 */
import { LEGACY_PLAINTEXT } from '../legacy-plaintext.js';
import type { EventStore, RecordedEvent } from '../log/port.js';
import type { KeyStore } from './key-store.js';
import type { LegacyPlaintext } from './legacy.js';
import { lruCache } from './lru.js';
import { descriptorOf, getPath } from './protect.js';
import { readableEvent, type ReadableEvent } from './read.js';

/** By stream name: the subject its first event names. */
export type StreamSubjects = { get(stream: string): string | undefined };

/** Where learned subjects are kept: a `Map`, or a bounded cache for a long-lived reader. */
export type StreamSubjectMemo = StreamSubjects & { set(stream: string, subject: string): unknown };

const namesNoSubject = (legacy: LegacyPlaintext) => (event: RecordedEvent): boolean => {
  const spec = legacy.get(event.type);
  return spec !== undefined && typeof getPath(event.data, spec.subjectField) !== 'string';
};

/** The subject an event names: its data's `subjectId`, else the only subject of its descriptor. */
const subjectNamedBy = (event: RecordedEvent | undefined): string | undefined => {
  if (event === undefined) return undefined;
  if (typeof event.data.subjectId === 'string') return event.data.subjectId;
  const subjects = descriptorOf(event.metadata)?.subjects ?? [];
  return subjects.length === 1 ? subjects[0] : undefined;
};

/**
 * Learns into `memo` the subject of each stream of `events` holding an event that may carry legacy
 * plaintext and names no subject: from the stream's first event, among `events` when they hold it
 * (a whole stream read), else read from `store` (one read per stream). Answers `memo`.
 */
export const learnStreamSubjects = async <M extends StreamSubjectMemo>(
  store: EventStore, events: readonly RecordedEvent[], memo: M, legacy: LegacyPlaintext = LEGACY_PLAINTEXT,
): Promise<M> => {
  const streams = new Set(events.filter(namesNoSubject(legacy)).map((e) => e.stream).filter((s) => memo.get(s) === undefined));
  if (streams.size === 0) return memo;
  const firsts = new Map(events.filter((e) => e.revision === 0n && streams.has(e.stream)).map((e) => [e.stream, e]));
  for (const stream of streams) {
    const subject = subjectNamedBy(firsts.get(stream) ?? (await store.readStream(stream, { maxCount: 1 }))[0]);
    if (subject !== undefined) memo.set(stream, subject);
  }
  return memo;
};

/** Recorded events (whole streams, or any events of the log) as `readableEvent` reads them, legacy plaintext under its stream's subject. */
export const readableEvents = async (store: EventStore, keyStore: KeyStore, events: readonly RecordedEvent[]): Promise<ReadableEvent[]> => {
  const streamSubjects = await learnStreamSubjects(store, events, new Map<string, string>());
  return events.map(readableEvent(keyStore, undefined, { streamSubjects }));
};

// A long-lived reader keeps the subjects of this many streams: more than it reads ahead of revealing
// (the projection runner's shared window holds 4,096 events, a batch 1,000).
const KEPT = 16_384;

/** A bounded memo of stream subjects, for a reader of the whole log (the runner, an audit export). */
export const streamSubjectMemo = (): StreamSubjectMemo => lruCache<string>(KEPT);

/**
 * For a long-lived reader of the log (the projection runner): `store` whose `readAll` pages come
 * back once `streamSubjects` knows the subjects their old events need, to reveal them with.
 */
export const learningStreamSubjects = (store: EventStore): { store: EventStore; streamSubjects: StreamSubjects } => {
  const memo = streamSubjectMemo();
  const readAll: EventStore['readAll'] = async (options) => {
    const page = await store.readAll(options);
    await learnStreamSubjects(store, page, memo);
    return page;
  };
  return { store: { ...store, kind: store.kind, readAll }, streamSubjects: memo };
};
