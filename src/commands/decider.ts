/**
 * Deciders (Emmett / Chassaing style): pure and synchronous. Time, ids and configuration arrive in
 * the command; `decide` never reads a clock, generates an id or does I/O.
 */
import type { JsonObject } from '../events/log/port.js';

/** An event as the domain sees it: its type and its data (personal fields in plaintext). */
export type DomainEvent<Type extends string = string, Data extends JsonObject = JsonObject> = {
  type: Type;
  data: Data;
};

export type Decider<Command, Event extends DomainEvent, State> = {
  initialState: () => State;
  evolve: (state: State, event: Event) => State;
  /** The events that record the command's outcome; throws an `AppError` when a rule refuses it. */
  decide: (command: Command, state: State) => Event[];
};

/** Folds events into state from the decider's initial state. */
export const fold = <Event extends DomainEvent, State>(
  decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
  events: readonly Event[],
): State => events.reduce(decider.evolve, decider.initialState());

/** Ends every switch over a union: a new member that is not handled fails to compile. */
export const unreachable = (value: never): never => {
  throw new Error(`Unhandled case: ${JSON.stringify(value)}`);
};
