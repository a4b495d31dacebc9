/**
 * The subjects one person has through contact merges. A merge keeps each contact's own subject,
 * and the survivor may take the loser's values under its own: a person merged from duplicates has
 * several subjects, and erasure and subject access cover them (design §4: one erasure covers the
 * person everywhere). The links are read from the log: `ContactMerged { into }` on the loser and
 * `ContactAbsorbed { from }` on the survivor (either one links them, so a merge cut short between
 * its steps does too, and merges of any date count), and each contact's `subjectId`.
 *
 * Two reaches: `absorbed`, the subject and those merged into its contacts, however far the merges
 * chain (what erasing a record's subject also erases); `person`, also the contacts its own were
 * merged into, and all merged into those (the person, for their request or their export).
 *
 * Cost: one scan of the whole log, as subject access and the erasure certificate already make.
 */
import type { RecordedEvent } from '../events/log/port.js';
import { scanLog } from '../events/log/scan.js';
import { CONTACT_ABSORBED, CONTACT_MERGED, contactKind } from '../events/sales/contact.js';
import type { ReadDeps } from './records.js';

export type MergeReach = 'absorbed' | 'person';

/** Nodes are `s:<subject>` and `c:<contact id>`; `same` links a contact and its subject both ways. */
type MergeGraph = { same: Map<string, Set<string>>; losers: Map<string, Set<string>>; survivors: Map<string, Set<string>> };

const add = (links: Map<string, Set<string>>, from: string, to: string): void => {
  const next = links.get(from) ?? new Set<string>();
  links.set(from, next.add(to));
};

/** Adds what one event of the contact's stream says: its subject, or the two sides of a merge. */
const record = (graph: MergeGraph, contact: string, event: RecordedEvent): void => {
  const { subjectId, into, from } = event.data;
  const node = `c:${contact}`;
  if (typeof subjectId === 'string') {
    add(graph.same, node, `s:${subjectId}`);
    add(graph.same, `s:${subjectId}`, node);
  }
  const [loser, survivor] = event.type === CONTACT_MERGED ? [contact, into] : event.type === CONTACT_ABSORBED ? [from, contact] : [];
  if (typeof loser !== 'string' || typeof survivor !== 'string' || loser === survivor) return;
  add(graph.losers, `c:${survivor}`, `c:${loser}`);
  add(graph.survivors, `c:${loser}`, `c:${survivor}`);
};

/** Every node reached from `start`, in the order reached. */
const reach = (graph: MergeGraph, start: string, how: MergeReach): string[] => {
  const links = how === 'person' ? [graph.same, graph.losers, graph.survivors] : [graph.same, graph.losers];
  const seen = new Set([start]);
  // A Set's iteration visits what is added during it: a breadth-first walk.
  for (const node of seen) for (const next of links.flatMap((l) => [...(l.get(node) ?? [])])) seen.add(next);
  return [...seen];
};

/** The subjects `subjectId` reaches in the tenant: itself first, then the others in the order reached. */
export const mergedSubjectsOf = async (deps: Pick<ReadDeps, 'store'>, tenantId: string, subjectId: string, how: MergeReach): Promise<string[]> => {
  const prefix = `${tenantId}/${contactKind.type}/`;
  const graph: MergeGraph = { same: new Map(), losers: new Map(), survivors: new Map() };
  for await (const event of scanLog(deps.store)) {
    if (event.metadata.tenantId === tenantId && event.stream.startsWith(prefix)) record(graph, event.stream.slice(prefix.length), event);
  }
  return reach(graph, `s:${subjectId}`, how).filter((node) => node.startsWith('s:')).map((node) => node.slice(2));
};
