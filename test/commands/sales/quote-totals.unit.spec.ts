/**
 * The property: for 10,000 random quotes (a seeded generator, so a failure replays), the totals the
 * decider records agree to the minor unit with an independent computation of the documented rule,
 * written differently: exact decimal strings of the scaled values, rounded half-even by reading
 * their last four digits, and the rate groups summed in a plain object.
 */
import { expect } from 'chai';
import { quoteDecider } from '../../../src/commands/sales/quote.js';
import { divideHalfEven } from '../../../src/commands/sales/quote-totals.js';
import { DEFAULT_SALES_CONFIG, type SalesConfig } from '../../../src/events/sales/config.js';
import type { JsonObject } from '../../../src/events/log/port.js';

/** mulberry32: a small seeded PRNG. */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

const TAX_RATES = [
  { id: 'standard', name: 'Standard', basisPoints: 2000 }, { id: 'reduced', name: 'Reduced', basisPoints: 550 },
  { id: 'zero', name: 'Zero', basisPoints: 0 }, { id: 'odd', name: 'Odd', basisPoints: 1234 }, { id: 'full', name: 'Full', basisPoints: 10_000 },
];
const config: SalesConfig = { ...DEFAULT_SALES_CONFIG, taxRates: TAX_RATES };

/** `scaled / 10^places` (default 4) rounded half to even, from the decimal digits of `scaled` (≥ 0). */
const roundScaled = (scaled: bigint, places = 4): bigint => {
  const digits = scaled.toString().padStart(places + 1, '0');
  const whole = BigInt(digits.slice(0, -places));
  const fraction = digits.slice(-places);
  const half = `5${'0'.repeat(places - 1)}`;
  const up = fraction > half || (fraction === half && whole % 2n === 1n);
  return up ? whole + 1n : whole;
};

/** A quantity's thousandths, from its decimal digits as JSON would print them (at most three decimals). */
const thousandths = (quantity: number): bigint => {
  const [whole, fraction = ''] = String(quantity).split('.');
  return BigInt(`${whole}${fraction.padEnd(3, '0')}`);
};

type Line = { quantity: number; unitPrice: { amount: number; currency: string }; discountBasisPoints: number; taxRateId: string };

const expectedTotals = (lines: Line[]) => {
  const rateOf = Object.fromEntries(TAX_RATES.map((t) => [t.id, BigInt(t.basisPoints)]));
  const bases: Record<string, bigint> = {};
  let subtotal = 0n;
  for (const line of lines) {
    const net = roundScaled(thousandths(line.quantity) * BigInt(line.unitPrice.amount) * BigInt(10_000 - line.discountBasisPoints), 7);
    subtotal += net;
    bases[line.taxRateId] = (bases[line.taxRateId] ?? 0n) + net;
  }
  const taxes = Object.keys(bases).sort().map((id) => ({ id, base: bases[id]!, tax: roundScaled(bases[id]! * rateOf[id]!) }));
  return { subtotal, taxes, total: taxes.reduce((sum, t) => sum + t.tax, subtotal) };
};

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const upTo = (random: () => number, max: number): number => Math.floor(random() * (max + 1));

/** A whole quantity up to `max`, or one with up to three decimals (sent as a JSON number, as a client would). */
const quantity = (random: () => number, max: number): number =>
  random() < 0.5 ? 1 + upTo(random, max - 1) : (1 + upTo(random, max * 1_000 - 1)) / 1_000;

// Quantity × price stays within 1e13 a line, so ten lines and their tax stay under the largest amount (1e15).
const randomLine = (random: () => number): Line => ({
  ...pick(random, [[1_000_000, 9], [10_000, 999_999], [10_000, 1_000_000_000], [100, 1_000_000]].map(([q, p]) => ({
    quantity: quantity(random, q!), unitPrice: { amount: upTo(random, p!), currency: 'EUR' },
  }))),
  // Round discounts make exact halves (ties) frequent.
  discountBasisPoints: pick(random, [0, 5000, 2500, 10_000, upTo(random, 10_000)]),
  taxRateId: pick(random, TAX_RATES).id,
});

const decidedTotals = (lines: Line[]) => {
  const fields = { title: 'P', accountId: 'a', validUntil: '2030-01-01', lines } as unknown as JsonObject;
  const [event] = quoteDecider.decide({ type: 'CreateRecord', fields, ownerId: 'u', tags: [], config }, quoteDecider.initialState());
  return (event!.data as { fields: JsonObject }).fields as unknown as {
    subtotal: { amount: number }; total: { amount: number }; taxes: Array<{ taxRateId: string; base: { amount: number }; tax: { amount: number } }>;
  };
};

describe('Quote totals', () => {
  it('agree to the minor unit with an independent computation for 10,000 random quotes', () => {
    const random = prng(20_261_123);
    for (let n = 0; n < 10_000; n++) {
      const lines = Array.from({ length: 1 + upTo(random, 9) }, () => randomLine(random));
      const decided = decidedTotals(lines);
      const expected = expectedTotals(lines);
      const context = `quote ${n}: ${JSON.stringify(lines)}`;
      expect(BigInt(decided.subtotal.amount), context).to.equal(expected.subtotal);
      expect(BigInt(decided.total.amount), context).to.equal(expected.total);
      expect(decided.taxes.map((t) => [t.taxRateId, BigInt(t.base.amount), BigInt(t.tax.amount)]), context)
        .to.deep.equal(expected.taxes.map((t) => [t.id, t.base, t.tax]));
    }
  });

  it('round exact halves to the even neighbour', () => {
    expect([divideHalfEven(5n, 2n), divideHalfEven(7n, 2n), divideHalfEven(25_001n, 10_000n), divideHalfEven(0n, 7n)]).to.deep.equal([2n, 4n, 3n, 0n]);
    expect([roundScaled(25_000n), roundScaled(35_000n), roundScaled(4_999n)]).to.deep.equal([2n, 4n, 0n]);
  });

  it('count a decimal quantity exactly in thousandths: 1.1 × 0.10 and 2.675 × 1.00, where binary floating point would be off', () => {
    const line = (quantity: number, amount: number): Line => ({ quantity, unitPrice: { amount, currency: 'EUR' }, discountBasisPoints: 0, taxRateId: 'zero' });
    // 1.1 × 10 = 11.000000000000002 in floating point; 2.675 × 100 = 267.49999999999997 (half-even of 267.5 is 268).
    expect(decidedTotals([line(1.1, 10)]).subtotal.amount).to.equal(11);
    expect(decidedTotals([line(2.675, 100)]).subtotal.amount).to.equal(268);
    expect(decidedTotals([line(0.0005 * 2, 1_000)]).subtotal.amount).to.equal(1);
  });
});
