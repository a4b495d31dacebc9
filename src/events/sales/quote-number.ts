/**
 * The per-tenant quote counter: one stream per tenant and year (`sales.quoteNumber`, id the year),
 * whose every event gives the next sequence number to one quote. The stream is appended with its
 * expected revision, so two quotes never get the same number; a number is given only to a quote
 * that exists (it is created first), so no number is skipped.
 */
import type { JsonObject } from '../log/port.js';
import type { SalesConfig } from './config.js';

export const QUOTE_COUNTER_TYPE = 'sales.quoteNumber';
export const QUOTE_NUMBER_ASSIGNED = 'QuoteNumberAssigned';

export type QuoteNumberAssigned = { type: typeof QUOTE_NUMBER_ASSIGNED; data: { quoteId: string; sequence: number; number: string } };

/** The counter of a year: the last sequence given and the number of each quote. */
export type QuoteCounterState = { status: 'counting'; sequence: number; numbers: Readonly<Record<string, string>> };

export const initialQuoteCounter = (): QuoteCounterState => ({ status: 'counting', sequence: 0, numbers: {} });

export const evolveQuoteCounter = (state: QuoteCounterState, event: { type: string; data: JsonObject }): QuoteCounterState => {
  if (event.type !== QUOTE_NUMBER_ASSIGNED) return state;
  const { quoteId, sequence, number } = event.data as QuoteNumberAssigned['data'];
  return { status: 'counting', sequence, numbers: { ...state.numbers, [quoteId]: number } };
};

/** The number in the tenant's format: `Q-{year}-` and padding 4 make the 1st of 2026 `Q-2026-0001`. */
export const formatQuoteNumber = (numbering: SalesConfig['quoteNumbering'], year: number, sequence: number): string =>
  `${numbering.prefix.replaceAll('{year}', String(year))}${String(sequence).padStart(numbering.padding, '0')}`;
