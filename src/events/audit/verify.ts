/**
 * Verifying the chain: the whole log is read again (`readAll` pages) and every event's link is
 * recomputed and compared, in step with the links stored in audit.db. The first difference is
 * named: an event whose bytes or identity differ from what was sealed (`changed`), a sealed event
 * the log no longer holds (`missing`), an event between sealed ones that was never sealed
 * (`inserted`), or an event the store cannot read back (`unreadable`). Events after the last link
 * are the unsealed tail: counted, not a break. Cost: one pass over the log and the chain.
 */
import { unreachable } from '../../commands/decider.js';
import type { EventStore, RecordedEvent } from '../log/port.js';
import { scanLog } from '../log/scan.js';
import { GENESIS_HASH, linkHash, type ChainDb, type Link } from './chain.js';

export type BreakKind = 'changed' | 'missing' | 'inserted' | 'unreadable';

/** The first broken link: where, which event, and what differs. */
export type ChainBreak = { position: number; stream: string; eventId: string; problem: BreakKind; detail: string };

export type ChainReport = {
  ok: boolean;
  /** Events whose link was recomputed and matched. */
  eventsChecked: number;
  /** The last verified link (null when nothing is sealed yet). */
  headPosition: number | null;
  headHash: string | null;
  /** Events of the log after the last link, not sealed yet. */
  unsealed: number;
  broken: ChainBreak | null;
};

const PAGE = 1000;

const breakAt = (problem: BreakKind, at: { position: bigint; stream: string; id: string }, detail: string): ChainBreak => ({
  position: Number(at.position), stream: at.stream, eventId: at.id, problem, detail,
});

const detailOf = (problem: BreakKind): string => {
  switch (problem) {
    case 'changed':
      return 'the event differs from what was sealed (its recomputed hash does not match the link)';
    case 'missing':
      return 'the event was sealed but the log no longer holds it';
    case 'inserted':
      return 'the event sits between sealed events but was never sealed';
    case 'unreadable':
      return 'the store cannot read this event back';
    default:
      return unreachable(problem);
  }
};

const asEvent = (link: Link) => ({ position: link.position, stream: link.stream, id: link.eventId });

/** The break between `link` and `event` (the same place in the log), if any. */
const compare = (link: Link, event: RecordedEvent, previous: Buffer): ChainBreak | undefined => {
  if (link.position < event.position) return breakAt('missing', asEvent(link), detailOf('missing'));
  if (link.position > event.position) return breakAt('inserted', event, detailOf('inserted'));
  if (link.eventId !== event.id || link.stream !== event.stream) {
    return breakAt('changed', event, `sealed as ${link.eventId} in ${link.stream}`);
  }
  return linkHash(previous, event).equals(link.hash) ? undefined : breakAt('changed', event, detailOf('changed'));
};

/** The links up to `last`: those sealed while a verify runs are left to the next one (their events count as unsealed). */
function* chainLinks(chain: ChainDb, last: bigint): Generator<Link> {
  for (let after = 0n; ; ) {
    const page = chain.linksAfter(after, PAGE).filter((link) => link.position <= last);
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.position;
  }
}

type Walk = { previous: Buffer; checked: number; unsealed: number; head: Link | undefined };

const reportOf = (walk: Walk, broken: ChainBreak | null): ChainReport => ({
  ok: broken === null,
  eventsChecked: walk.checked,
  headPosition: walk.head ? Number(walk.head.position) : null,
  headHash: walk.head ? walk.head.hash.toString('hex') : null,
  unsealed: walk.unsealed,
  broken,
});

/** The next link's event, when the store fails to read the log at that point. */
const unreadableAt = (link: Link | undefined, error: unknown): ChainBreak | null => {
  if (!link) throw error;
  return breakAt('unreadable', asEvent(link), `${detailOf('unreadable')}: ${(error as Error).message}`);
};

/** Recomputes the whole chain from the log and compares it with audit.db. */
export const verifyChain = async (store: EventStore, chain: ChainDb): Promise<ChainReport> => {
  const links = chainLinks(chain, chain.tail()?.position ?? 0n);
  const walk: Walk = { previous: GENESIS_HASH, checked: 0, unsealed: 0, head: undefined };
  let link = links.next().value as Link | undefined;
  try {
    for await (const event of scanLog(store, 0n, { pageSize: PAGE, narrowOnError: true })) {
      if (!link) {
        walk.unsealed += 1;
        continue;
      }
      const broken = compare(link, event, walk.previous);
      if (broken) return reportOf(walk, broken);
      [walk.previous, walk.head, walk.checked] = [link.hash, link, walk.checked + 1];
      link = links.next().value as Link | undefined;
    }
  } catch (error) {
    return reportOf(walk, unreadableAt(link, error));
  }
  return reportOf(walk, link ? breakAt('missing', asEvent(link), detailOf('missing')) : null);
};
