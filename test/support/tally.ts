/** A small rule-bearing aggregate for testing the command machinery in isolation from modules. */
import { unreachable, type Decider } from '../../src/commands/decider.js';
import { ConflictError, RuleViolationError } from '../../src/errors.js';

export type TallyEvent =
  | { type: 'TallyOpened'; data: { name: string } }
  | { type: 'TallyIncreased'; data: { by: number } }
  | { type: 'TallyClosed'; data: { reason: string } };

export type TallyCommand =
  | { type: 'OpenTally'; name: string }
  | { type: 'IncreaseTally'; by: number }
  | { type: 'CloseTally'; reason: string };

export type TallyState =
  | { status: 'none' }
  | { status: 'open'; name: string; total: number }
  | { status: 'closed'; name: string; total: number };

const evolve = (state: TallyState, event: TallyEvent): TallyState => {
  switch (event.type) {
    case 'TallyOpened':
      return { status: 'open', name: event.data.name, total: 0 };
    case 'TallyIncreased':
      return state.status === 'open' ? { ...state, total: state.total + event.data.by } : state;
    case 'TallyClosed':
      return state.status === 'open' ? { ...state, status: 'closed' } : state;
    default:
      return unreachable(event);
  }
};

const decide = (command: TallyCommand, state: TallyState): TallyEvent[] => {
  switch (command.type) {
    case 'OpenTally':
      if (state.status !== 'none') throw new ConflictError('already_exists', 'The tally exists');
      return [{ type: 'TallyOpened', data: { name: command.name } }];
    case 'IncreaseTally':
      if (state.status !== 'open') throw new RuleViolationError('tally_not_open', 'Only an open tally increases');
      if (command.by <= 0) throw new RuleViolationError('invalid_amount', 'Increase by a positive amount');
      return [{ type: 'TallyIncreased', data: { by: command.by } }];
    case 'CloseTally':
      if (state.status === 'closed') return [];
      if (state.status !== 'open') throw new RuleViolationError('tally_not_open', 'Only an open tally closes');
      return [{ type: 'TallyIncreased', data: { by: 0 } }, { type: 'TallyClosed', data: { reason: command.reason } }];
    default:
      return unreachable(command);
  }
};

export const tally: Decider<TallyCommand, TallyEvent, TallyState> = {
  initialState: () => ({ status: 'none' }),
  evolve,
  decide,
};
