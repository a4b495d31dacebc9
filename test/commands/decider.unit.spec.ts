import { expect } from 'chai';
import { fold } from '../../src/commands/decider.js';
import { eventIdFor } from '../../src/commands/event-ids.js';
import { specFor } from '../support/decider.js';
import { tally } from '../support/tally.js';

const { given } = specFor(tally);

describe('deciders: given(events).when(command).then(events | error)', () => {
  it('opens a new tally', () => {
    given().when({ type: 'OpenTally', name: 'T' }).then({ type: 'TallyOpened', data: { name: 'T' } });
  });

  it('refuses to open a tally twice', () => {
    given({ type: 'TallyOpened', data: { name: 'T' } }).when({ type: 'OpenTally', name: 'T' }).thenFails('already_exists');
  });

  it('refuses to increase a closed tally', () => {
    given({ type: 'TallyOpened', data: { name: 'T' } }, { type: 'TallyClosed', data: { reason: 'done' } })
      .when({ type: 'IncreaseTally', by: 1 })
      .thenFails('tally_not_open');
  });

  it('closing a closed tally decides nothing', () => {
    given({ type: 'TallyOpened', data: { name: 'T' } }, { type: 'TallyClosed', data: { reason: 'done' } })
      .when({ type: 'CloseTally', reason: 'again' })
      .then();
  });

  it('fold applies evolve from the initial state', () => {
    const state = fold(tally, [
      { type: 'TallyOpened', data: { name: 'T' } },
      { type: 'TallyIncreased', data: { by: 2 } },
      { type: 'TallyIncreased', data: { by: 3 } },
    ]);
    expect(state).to.deep.equal({ status: 'open', name: 'T', total: 5 });
  });
});

describe('event ids derived from the command id', () => {
  it('are stable UUIDv5s, distinct per index and per command', () => {
    const a0 = eventIdFor('cmd-a', 0);
    expect(a0).to.equal(eventIdFor('cmd-a', 0));
    expect(a0).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set([a0, eventIdFor('cmd-a', 1), eventIdFor('cmd-b', 0)]).size).to.equal(3);
  });
});
