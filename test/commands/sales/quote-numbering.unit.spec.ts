import { quoteCounterDecider } from '../../../src/commands/sales/quote-numbering.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(quoteCounterDecider);
const assigned = (quoteId: string, sequence: number, number: string) => ({ type: 'QuoteNumberAssigned', data: { quoteId, sequence, number } });
const assign = (quoteId: string, prefix: string, padding: number) => ({ type: 'AssignQuoteNumber' as const, quoteId, year: 2026, numbering: { prefix, padding } });

describe('Quote counter decider', () => {
  it('gives the next sequence in the numbering of the command; nothing to a quote it has numbered', () => {
    given(assigned('q1', 1, 'Q-2026-0001')).when(assign('q2', 'Q-{year}-', 4)).then(assigned('q2', 2, 'Q-2026-0002'));
    given(assigned('q1', 1, 'Q-2026-0001')).when(assign('q1', 'Q-{year}-', 4)).then();
  });

  it('passes over the sequences whose number an earlier numbering gave (Q-{year}-1 gave Q-2026-11 to 15; then Q-{year}- goes 6 to 10, 16)', () => {
    const before = [1, 2, 3, 4, 5].map((n) => assigned(`old${n}`, n, `Q-2026-1${n}`));
    const after = [6, 7, 8, 9, 10].map((n) => assigned(`new${n}`, n, `Q-2026-${n}`));
    given(...before, ...after).when(assign('q', 'Q-{year}-', 1)).then(assigned('q', 16, 'Q-2026-16'));
    given(...before, ...after, assigned('q', 16, 'Q-2026-16')).when(assign('r', 'Q-{year}-', 1)).then(assigned('r', 17, 'Q-2026-17'));
  });

  it('passes over every taken number in a row', () => {
    const taken = [1, 2, 3].map((n) => assigned(`a${n}`, n, `X-2026-${n + 3}`));
    given(...taken).when(assign('b', 'X-{year}-', 1)).then(assigned('b', 7, 'X-2026-7'));
  });
});
