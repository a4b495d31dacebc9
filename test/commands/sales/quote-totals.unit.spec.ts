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

/** `scaled / 10000` rounded half to even, from the decimal digits of `scaled` (≥ 0). */
const roundScaled = (scaled: bigint): bigint => {
  const digits = scaled.toString().padStart(5, '0');
  const whole = BigInt(digits.slice(0, -4));
  const fraction = digits.slice(-4);
  const up = fraction > '5000' || (fraction === '5000' && whole % 2n === 1n);
  return up ? whole + 1n : whole;
};

type Line = { quantity: number; unitPrice: { amount: number; currency: string }; discountBasisPoints: number; taxRateId: string };

const expectedTotals = (lines: Line[]) => {
  const rateOf = Object.fromEntries(TAX_RATES.map((t) => [t.id, BigInt(t.basisPoints)]));
  const bases: Record<string, bigint> = {};
  let subtotal = 0n;
  for (const line of lines) {
    const net = roundScaled(BigInt(line.quantity) * BigInt(line.unitPrice.amount) * BigInt(10_000 - line.discountBasisPoints));
    subtotal += net;
    bases[line.taxRateId] = (bases[line.taxRateId] ?? 0n) + net;
  }
  const taxes = Object.keys(bases).sort().map((id) => ({ id, base: bases[id]!, tax: roundScaled(bases[id]! * rateOf[id]!) }));
  return { subtotal, taxes, total: taxes.reduce((sum, t) => sum + t.tax, subtotal) };
};

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const upTo = (random: () => number, max: number): number => Math.floor(random() * (max + 1));

// Quantity × price stays within 1e13 a line, so ten lines and their tax stay under the largest amount (1e15).
const randomLine = (random: () => number): Line => ({
  ...pick(random, [[999_999, 9], [10_000, 999_999], [10_000, 1_000_000_000], [100, 1_000_000]].map(([q, p]) => ({
    quantity: 1 + upTo(random, q!), unitPrice: { amount: upTo(random, p!), currency: 'EUR' },
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
});
