/**
 * Jobs that follow from events, enqueued from the log: the log is the outbox. A route enqueues a
 * quote's expiry timer or acceptance reactor, or an activity's reminder, right after its append
 * (the fast path); if the process stops between the append and the enqueue, the job would be
 * lost. So the API also follows the log from a durable checkpoint (in `identity.db`, next to the
 * idempotency records) and enqueues each event's jobs again. Job ids are idempotency keys and
 * every handler is idempotent, so the second enqueue of a job costs nothing and changes nothing.
 *
 * The first start follows from the head (events older than that were enqueued by their routes);
 * the checkpoint moves after each reacting event's jobs are enqueued, so a crash re-enqueues at
 * most what was in flight. An enqueue that fails (Redis unreachable) is retried with backoff
 * before the follower moves on, so no reaction is skipped.
 */
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent } from '../events/log/port.js';
import type { JobQueue } from './port.js';

/**
 * The jobs one recorded event calls for (none for most). `log` reads a record's stream, for a
 * reaction whose event alone does not say what to enqueue (a restored activity's reminder time).
 */
export type Reaction = {
  handles: readonly string[];
  enqueue: (queue: Pick<JobQueue, 'enqueue' | 'get' | 'remove'>, event: RecordedEvent, now: Date, log: Pick<EventStore, 'readStream'>) => Promise<unknown>;
};

const NAME = 'jobs.reactions';
// Events that call for nothing move the checkpoint at most this often (one small write per batch of the log).
const IDLE_SAVE_EVERY = 500;
const RETRY_MS = [100, 500, 2_000, 5_000];

const checkpoints = (db: Database.Database) => {
  db.exec('CREATE TABLE IF NOT EXISTS job_reactions (name TEXT PRIMARY KEY, position TEXT NOT NULL)');
  const read = db.prepare('SELECT position FROM job_reactions WHERE name = ?').pluck();
  const write = db.prepare('INSERT INTO job_reactions (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET position = excluded.position');
  return {
    load: (): bigint | undefined => {
      const value = read.get(NAME) as string | undefined;
      return value === undefined ? undefined : BigInt(value);
    },
    save: (position: bigint): void => void write.run(NAME, String(position)),
  };
};

type FollowDeps = { store: EventStore; queue: JobQueue; db: Database.Database; reactions: readonly Reaction[]; logger: Pick<Logger, 'warn' | 'error'> };

/** Enqueues `event`'s jobs, retrying until it succeeds or the follower closes (then false). */
const react = async (deps: FollowDeps, reactions: readonly Reaction[], event: RecordedEvent, closed: () => boolean): Promise<boolean> => {
  for (let attempt = 0; !closed(); attempt++) {
    try {
      for (const reaction of reactions) await reaction.enqueue(deps.queue, event, new Date(), deps.store);
      return true;
    } catch (error) {
      deps.logger.warn({ err: error, position: String(event.position), type: event.type, attempt }, 'job reaction failed; retrying');
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]));
    }
  }
  return false;
};

/**
 * Follows the log from the stored checkpoint (the head at the first start) and enqueues the jobs
 * `reactions` call for. Answers `close`, which stops after the event in hand.
 */
export const followReactions = async (deps: FollowDeps): Promise<{ close: () => Promise<void> }> => {
  const store = checkpoints(deps.db);
  const start = store.load() ?? (await deps.store.headPosition());
  store.save(start);
  const byType = new Map<string, Reaction[]>();
  for (const r of deps.reactions) for (const type of r.handles) byType.set(type, [...(byType.get(type) ?? []), r]);
  let closing = false;
  const subscription = deps.store.subscribeToAll({ after: start });
  const done = (async () => {
    let idle = 0;
    for await (const event of subscription) {
      const reactions = byType.get(event.type);
      if (reactions && !(await react(deps, reactions, event, () => closing))) return;
      if (reactions || ++idle >= IDLE_SAVE_EVERY) (store.save(event.position), (idle = 0));
    }
  })().catch((error: unknown) => {
    // The routes' own enqueues go on; the next start resumes from the checkpoint.
    deps.logger.error({ err: error }, 'job reactions stopped: the log could not be followed');
  });
  return { close: async () => ((closing = true), await subscription.close(), await done) };
};
