import { expect } from 'chai';
import { backoffDelay, turnBudget } from '../../src/projections/timing.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('projections: timing', () => {
  describe('turnBudget (the live batches\' share of one turn of the event loop)', () => {
    it('is shared: what one projector spends, the others no longer have in this turn', () => {
      const turn = turnBudget(8);
      turn.spend(5);
      expect(turn.remaining()).to.equal(3);
      turn.spend(4);
      expect(turn.remaining()).to.equal(-1);
    });

    it('admits a projector sent to a later turn once, even when that turn is spent too (no starvation)', () => {
      const turn = turnBudget(8);
      const [busy, other] = [{}, {}];
      expect(turn.admits(busy)).to.equal(true);
      turn.spend(9);
      expect(turn.admits(other)).to.equal(false);
      expect(turn.admits(other)).to.equal(true); // its next try runs, whatever is left
      expect(turn.admits(other)).to.equal(false); // and it queues again after that
      expect(turn.admits(busy)).to.equal(false);
    });

    it('starts afresh at the next turn', async () => {
      const turn = turnBudget(8);
      turn.spend(8);
      await nextTurn();
      expect(turn.remaining()).to.equal(8);
      turn.spend(2);
      expect(turn.remaining()).to.equal(6);
    });
  });

  it('backoffDelay doubles from the initial delay up to the cap', () => {
    const backoff = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, backoff))).to.deep.equal([100, 200, 400, 800, 1_000]);
  });
});
