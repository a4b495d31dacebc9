/**
 * Rebuild tickets: what a caller of `rebuild` waits on, one per projection, settled when the new
 * tables are swapped in (by this runner, or by another on the same read.db) or the runner closes.
 */
import type { Run } from './worker.js';

/** A started rebuild; `done` settles when the new tables are swapped in, or the runner closes first. */
export type RebuildTicket = { projection: string; version: number; generation: number; done: Promise<'swapped' | 'closed'> };

export type Ticket = RebuildTicket & { settle: (outcome: 'swapped' | 'closed') => void };

/** The ticket of the rebuild `run` has under way (made at its first request). */
export const ticketFor = (tickets: Map<string, Ticket>, run: Run): Ticket => {
  const existing = tickets.get(run.projector.name);
  if (existing) return existing;
  let settle: Ticket['settle'] = () => {};
  const done = new Promise<'swapped' | 'closed'>((resolve) => (settle = resolve));
  const { version, generation } = run.next!;
  const ticket: Ticket = { projection: run.projector.name, version, generation, done, settle };
  tickets.set(run.projector.name, ticket);
  return ticket;
};

/**
 * After a reload, a rebuild this runner started may have been swapped in by another runner (the
 * API's, beside a CLI rebuild): its ticket settles here, as this runner will not swap it itself. A
 * newer rebuild that replaced it carries the ticket on (it rebuilds from the start too).
 */
export const settleMovedTicket = (tickets: Map<string, Ticket>, run: Run): void => {
  const name = run.projector.name;
  const ticket = tickets.get(name);
  if (!ticket || run.next?.generation === ticket.generation) return; // still this runner's to finish
  if (run.next && run.next.generation > ticket.generation) return void (ticket.generation = run.next.generation);
  ticket.settle(run.live.generation >= ticket.generation ? 'swapped' : 'closed');
  tickets.delete(name);
};
