/**
 * Quote arithmetic, in integer minor units, exact (BigInt) until the result is rounded.
 *
 * The rounding rule (docs/sales.md):
 * - each line's net = round_half_even(quantity × unit price × (10000 − discount bp) / 10000), where
 *   a quantity has at most three decimals (it is counted in thousandths, exactly);
 * - tax is computed per rate group, not per line: for each tax rate, base = Σ net of its lines,
 *   tax = round_half_even(base × rate bp / 10000);
 * - subtotal = Σ line nets; total = subtotal + Σ taxes. Nothing else is rounded.
 * Rounding per rate group keeps the tax of a rate equal to what the rate applied to its base
 * gives (what an invoice shows), and half-even keeps the rounding unbiased across many lines.
 */
import type { Money } from '../../events/sales/money.js';
import type { QuoteTotals, TaxLine } from '../../events/sales/quote.js';

const BP = 10_000n;

/** `numerator / denominator` (both ≥ 0, denominator > 0) rounded half to even. */
export const divideHalfEven = (numerator: bigint, denominator: bigint): bigint => {
  const quotient = numerator / denominator;
  const twice = (numerator % denominator) * 2n;
  if (twice > denominator || (twice === denominator && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
};

const THOUSANDTHS = 1_000n;

/** A quantity (at most three decimals, as validated) in exact thousandths: 1.1 is 1100, never 1100.0000000000002. */
export const thousandthsOf = (quantity: number): bigint => BigInt(Math.round(quantity * 1_000));

/** A line's net in minor units. */
export const lineNet = (quantity: number, unitPrice: number, discountBasisPoints: number): bigint =>
  divideHalfEven(thousandthsOf(quantity) * BigInt(unitPrice) * (BP - BigInt(discountBasisPoints)), BP * THOUSANDTHS);

export type TotalsLine = { net: bigint; taxRateId: string; taxBasisPoints: number };

const money = (amount: bigint, currency: string): Money => ({ amount: Number(amount), currency });

/** The tax of each rate group, ordered by tax rate id. */
const taxesOf = (lines: readonly TotalsLine[], currency: string): Array<TaxLine & { exact: bigint }> => {
  const bases = new Map<string, { basisPoints: number; base: bigint }>();
  for (const { net, taxRateId, taxBasisPoints } of lines) {
    const group = bases.get(taxRateId) ?? { basisPoints: taxBasisPoints, base: 0n };
    bases.set(taxRateId, { ...group, base: group.base + net });
  }
  return [...bases.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([taxRateId, { basisPoints, base }]) => {
    const tax = divideHalfEven(base * BigInt(basisPoints), BP);
    return { taxRateId, basisPoints, base: money(base, currency), tax: money(tax, currency), exact: tax };
  });
};

/** Subtotal, tax by rate and total of priced lines; the amounts as exact integers too (`exactTotal`). */
export const quoteTotals = (lines: readonly TotalsLine[], currency: string): QuoteTotals & { exactTotal: bigint } => {
  const subtotal = lines.reduce((sum, line) => sum + line.net, 0n);
  const taxes = taxesOf(lines, currency);
  const total = taxes.reduce((sum, t) => sum + t.exact, subtotal);
  return {
    subtotal: money(subtotal, currency),
    taxes: taxes.map(({ exact: _exact, ...tax }) => tax),
    total: money(total, currency),
    exactTotal: total,
  };
};
