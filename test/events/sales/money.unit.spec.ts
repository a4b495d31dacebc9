import { expect } from 'chai';
import { weightedMoney } from '../../../src/events/sales/money.js';

describe('weightedMoney', () => {
  it('rounds amount × percent / 100 half up to the minor unit', () => {
    expect([weightedMoney({ amount: 12_345, currency: 'EUR' }, 50), weightedMoney({ amount: 12_345, currency: 'EUR' }, 10)])
      .to.deep.equal([{ amount: 6_173, currency: 'EUR' }, { amount: 1_235, currency: 'EUR' }]);
  });

  it('is exact up to the largest amount, beyond 2^53 in the product (931,560,380,136,989 × 96 % = …509.44 → …509)', () => {
    expect(weightedMoney({ amount: 931_560_380_136_989, currency: 'EUR' }, 96)).to.deep.equal({ amount: 894_297_964_931_509, currency: 'EUR' });
    expect(weightedMoney({ amount: 1e15, currency: 'EUR' }, 100).amount).to.equal(1e15);
    // Half up at an exact half: 999,999,999,999,999 × 50 % = …999.5 → 500,000,000,000,000.
    expect(weightedMoney({ amount: 999_999_999_999_999, currency: 'EUR' }, 50).amount).to.equal(500_000_000_000_000);
  });
});
