import { expect } from 'chai';
import { loginBackoff } from '../../src/access/login-backoff.js';

describe('loginBackoff', () => {
  it('doubles the wait after each consecutive failure, capped at 15 minutes', () => {
    const backoff = loginBackoff();
    const waits = [1, 2, 3, 4, 20].map((n) => {
      const b = loginBackoff();
      for (let i = 0; i < n; i++) b.failed('k', 0);
      return b.waitMs('k', 0);
    });
    expect(waits).to.deep.equal([1000, 2000, 4000, 8000, 15 * 60 * 1000]);
    expect(backoff.waitMs('k', 0)).to.equal(0);
  });

  it('never locks for good: the wait runs out, and a success resets it', () => {
    const backoff = loginBackoff();
    for (let i = 0; i < 3; i++) backoff.failed('k', 0);
    expect(backoff.waitMs('k', 4000)).to.equal(0);
    backoff.succeeded('k');
    backoff.failed('k', 10_000);
    expect(backoff.waitMs('k', 10_000)).to.equal(1000);
    expect(backoff.waitMs('other', 10_000)).to.equal(0);
  });
});
