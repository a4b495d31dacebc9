/**
 * Compliance's own streams (subject, consent, retention, offboarding) hold no personal data, so
 * their state folds straight from the stored events, without the key store.
 */
import type { DomainEvent } from '../../commands/decider.js';
import type { EventStore } from '../log/port.js';
import { streamName } from '../log/stream-name.js';

export type StreamFold<E extends DomainEvent, S> = { type: string; initialState: () => S; evolve: (state: S, event: E) => S };

/** The state of `<tenant>/<fold.type>/<id>` (the initial state when the stream does not exist). */
export const streamState = async <E extends DomainEvent, S>(
  store: Pick<EventStore, 'readStream'>, tenantId: string, id: string, fold: StreamFold<E, S>,
): Promise<S> => {
  const events = await store.readStream(streamName(tenantId, fold.type, id));
  return events.map((e) => ({ type: e.type, data: e.data }) as E).reduce(fold.evolve, fold.initialState());
};
