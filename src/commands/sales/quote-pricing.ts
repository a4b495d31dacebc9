/**
 * Pricing a quote's lines against the tenant's sales configuration: a product line takes its name
 * and (unless given) its price in the quote's currency from the price book; every line's tax rate
 * is a configured one; every price is in the quote's currency (one currency per quote). Each
 * refusal is a 422 naming the line.
 */
import { RuleViolationError } from '../../errors.js';
import type { JsonObject } from '../../events/log/port.js';
import { priceBookOf, type SalesConfig } from '../../events/sales/config.js';
import type { Money } from '../../events/sales/money.js';
import type { LineInput, PricedLine } from '../../events/sales/quote.js';
import { lineNet, quoteTotals, thousandthsOf } from './quote-totals.js';

/** The largest amount money may hold (`MONEY_SCHEMA`). */
const MAX_AMOUNT = 1_000_000_000_000_000n;

const unitPriceOf = (line: LineInput, index: number, currency: string, config: SalesConfig): { description: string; unitPrice: Money } => {
  if (line.productId === undefined) return { description: line.description!, unitPrice: line.unitPrice! };
  const product = priceBookOf(config).find((p) => p.id === line.productId);
  if (!product) throw new RuleViolationError('unknown_product', `Line ${index + 1}: no product ${line.productId} in the price book`, { line: index });
  const listed = product.prices.find((p) => p.currency === currency);
  if (!line.unitPrice && !listed) {
    throw new RuleViolationError('no_price_in_currency', `Line ${index + 1}: ${product.id} has no price in ${currency}`, { line: index });
  }
  return { description: line.description ?? product.name, unitPrice: line.unitPrice ?? listed! };
};

/** The quantity as counted (in whole thousandths), so the line keeps exactly what its net was computed from. */
const quantityOf = (quantity: number): number => Number(thousandthsOf(quantity)) / 1_000;

const priceLine = (currency: string, config: SalesConfig) => (line: LineInput, index: number): PricedLine => {
  const { description, unitPrice } = unitPriceOf(line, index, currency, config);
  if (unitPrice.currency !== currency) {
    throw new RuleViolationError('currency_mismatch', `Line ${index + 1} is in ${unitPrice.currency}; the quote is in ${currency}`, { line: index });
  }
  const rate = config.taxRates.find((t) => t.id === line.taxRateId);
  if (!rate) {
    throw new RuleViolationError('unknown_tax_rate', `Line ${index + 1}: no tax rate ${line.taxRateId} is configured`, {
      line: index, taxRates: config.taxRates.map((t) => t.id),
    });
  }
  const discountBasisPoints = line.discountBasisPoints ?? 0;
  const net = lineNet(line.quantity, unitPrice.amount, discountBasisPoints);
  if (net > MAX_AMOUNT) throw new RuleViolationError('amount_too_large', `Line ${index + 1} exceeds the largest amount`, { line: index });
  return {
    ...(line.productId ? { productId: line.productId } : {}), description, quantity: quantityOf(line.quantity), unitPrice, discountBasisPoints,
    taxRateId: rate.id, taxBasisPoints: rate.basisPoints, net: { amount: Number(net), currency },
  };
};

/**
 * Refuses a priced line the configuration no longer backs (its tax rate gone or changed, its
 * product gone): a draft is sent as priced, so it is saved again first (422 `unknown_tax_rate`,
 * `tax_rate_changed`, `unknown_product`).
 */
export const assertStillPriced = (lines: readonly PricedLine[], config: SalesConfig): void => {
  lines.forEach((line, index) => {
    const rate = config.taxRates.find((t) => t.id === line.taxRateId);
    if (!rate) throw new RuleViolationError('unknown_tax_rate', `Line ${index + 1}: no tax rate ${line.taxRateId} is configured any more; save the lines again`, { line: index });
    if (rate.basisPoints !== line.taxBasisPoints) {
      throw new RuleViolationError('tax_rate_changed', `Line ${index + 1}: tax rate ${rate.id} changed since the line was priced; save the lines again`, { line: index });
    }
    if (line.productId !== undefined && !priceBookOf(config).some((p) => p.id === line.productId)) {
      throw new RuleViolationError('unknown_product', `Line ${index + 1}: no product ${line.productId} in the price book any more`, { line: index });
    }
  });
};

/**
 * A kept line as the input to price it again (a draft's currency changed, its lines not sent): a
 * product line at its list price is priced from the price book again, in the new currency; a price
 * the line was given (any other) is kept, so it must be in the new currency (422 `currency_mismatch`).
 */
export const keptLineInput = (config: SalesConfig) => ({ net: _net, taxBasisPoints: _bp, ...line }: PricedLine): LineInput => {
  if (line.productId === undefined) return line;
  const listed = priceBookOf(config).find((p) => p.id === line.productId)?.prices.find((p) => p.currency === line.unitPrice.currency);
  if (listed?.amount !== line.unitPrice.amount) return line;
  const { unitPrice: _listed, ...input } = line;
  return input;
};

/** The quote's currency: a configured one (default: the tenant's default currency). */
export const quoteCurrency = (requested: unknown, config: SalesConfig): string => {
  const currency = typeof requested === 'string' ? requested : config.defaultCurrency;
  if (!config.currencies.includes(currency)) {
    throw new RuleViolationError('invalid_currency', `${currency} is not a configured currency`, { currencies: config.currencies });
  }
  return currency;
};

/** The priced lines and the totals they make, as record fields. */
export const pricedFields = (lines: readonly LineInput[], currency: string, config: SalesConfig): JsonObject => {
  const priced = lines.map(priceLine(currency, config));
  const { exactTotal, ...totals } = quoteTotals(priced.map((l) => ({ ...l, net: BigInt(l.net.amount) })), currency);
  if (exactTotal > MAX_AMOUNT) throw new RuleViolationError('amount_too_large', 'The quote total exceeds the largest amount');
  return { lines: priced, ...totals } as unknown as JsonObject;
};
