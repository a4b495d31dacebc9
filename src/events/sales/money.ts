/** Money in the API and in events: integer minor units and an ISO 4217 currency (`{ amount: 125000, currency: "EUR" }`). */
import type { JsonObject } from '../log/port.js';

export type Money = { amount: number; currency: string };

export const MONEY_SCHEMA: JsonObject = {
  type: 'object',
  additionalProperties: false,
  required: ['amount', 'currency'],
  properties: {
    amount: { type: 'integer', minimum: 0, maximum: 1e15 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
  },
};

/**
 * `money` × `percent` (an integer) / 100, rounded half up to the minor unit (amounts are never
 * negative). In integers: the product of an amount near the largest one exceeds 2^53.
 */
export const weightedMoney = (money: Money, percent: number): Money => ({
  amount: Number((BigInt(money.amount) * BigInt(percent) + 50n) / 100n),
  currency: money.currency,
});
