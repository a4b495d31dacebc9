import { expect } from 'chai';
import { parsePeriod, periodKeyOf } from '../../../src/events/sales/period.js';

describe('sales periods', () => {
  it('parses years, quarters and months into half-open UTC ranges', () => {
    expect(parsePeriod('2026')).to.deep.equal({ key: '2026', interval: 'year', start: '2026-01-01', end: '2027-01-01' });
    expect(parsePeriod('2026-Q1')).to.deep.equal({ key: '2026-Q1', interval: 'quarter', start: '2026-01-01', end: '2026-04-01' });
    expect(parsePeriod('2026-Q4')).to.deep.equal({ key: '2026-Q4', interval: 'quarter', start: '2026-10-01', end: '2027-01-01' });
    expect(parsePeriod('2026-12')).to.deep.equal({ key: '2026-12', interval: 'month', start: '2026-12-01', end: '2027-01-01' });
  });
  it('refuses anything else', () => {
    for (const key of ['2026-Q0', '2026-Q5', '2026-13', '2026-00', '26', '2026-W12', '2026-q4', '1969', '2026-1', ' 2026', '2026-11-01']) {
      expect(parsePeriod(key), key).to.equal(undefined);
    }
  });
  it('names the period of an instant or date in UTC', () => {
    expect((['year', 'quarter', 'month'] as const).map((i) => periodKeyOf('2026-11-30T23:59:59.999Z', i))).to.deep.equal(['2026', '2026-Q4', '2026-11']);
    expect(periodKeyOf('2026-04-01', 'quarter')).to.equal('2026-Q2');
  });
});
