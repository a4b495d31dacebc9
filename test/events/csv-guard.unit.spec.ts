import { expect } from 'chai';
import { guardFormula, unguardFormula } from '../../src/events/csv-guard.js';

describe('the CSV formula guard', () => {
  it('guards what a spreadsheet would run, and what already reads as guarded', () => {
    expect(['=SUM(A1)', '+44 20', '-1', '@x', '\tx', "'+44 20", "''=x", 'plain', "'quoted", ''].map(guardFormula))
      .to.deep.equal(["'=SUM(A1)", "'+44 20", "'-1", "'@x", "'\tx", "''+44 20", "'''=x", 'plain', "'quoted", '']);
  });

  it('gives every value back from its guarded form (the import of an export)', () => {
    for (const value of ['=SUM(A1)', '+44 20', "'+44 20", "''=x", "'quoted", 'plain', '', "'", "'-"]) {
      expect(unguardFormula(guardFormula(value)), value).to.equal(value);
    }
  });
});
