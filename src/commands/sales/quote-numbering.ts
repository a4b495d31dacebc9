/**
 * Numbering a quote, without gaps or duplicates. The quote is created first (a draft with no
 * number); then the tenant's counter stream of the year gives it the next sequence number
 * (`QuoteNumberAssigned`, appended with the expected revision, retried on conflict); then the
 * quote records it (`QuoteNumbered`). So a number is only ever given to a quote that exists (a
 * refused or failed create advances nothing), and each quote gets one number: the counter's
 * decider answers nothing for a quote it has numbered, and every step's ids derive from the
 * creating command's id, so a retry, or the send of a quote left unnumbered by a crash between
 * the steps, completes the numbering with the same number.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../../errors.js';
import { streamName } from '../../events/log/stream-name.js';
import type { SalesConfig } from '../../events/sales/config.js';
import type { Money } from '../../events/sales/money.js';
import {
  QUOTE_COUNTER_TYPE, QUOTE_NUMBER_ASSIGNED, evolveQuoteCounter, formatQuoteNumber, initialQuoteCounter, type QuoteCounterState,
} from '../../events/sales/quote-number.js';
import { fold, type Decider, type DomainEvent } from '../decider.js';
import { childCommandIdFor } from '../event-ids.js';
import { handleCommand, type Aggregate, type CommandContext, type CommandDeps, type CommandResult } from '../handle.js';
import { quoteAggregate, type QuoteState } from './quote.js';

export type AssignQuoteNumber = { type: 'AssignQuoteNumber'; quoteId: string; year: number; numbering: SalesConfig['quoteNumbering'] };

/**
 * The next sequence whose number no quote of the year holds. A numbering change can format a later
 * sequence like an earlier one (`Q-{year}-1` padding 1 gives the 5th `Q-2026-15`; after a change to
 * `Q-{year}-` the 15th would be `Q-2026-15` again): that sequence is passed over, its number being
 * held already. The year's numbers are all in this stream's state, and the stream is appended at its
 * expected revision, so no two quotes of a year share a number, whatever the configurations.
 */
const nextFreeSequence = (command: AssignQuoteNumber, state: QuoteCounterState): { sequence: number; number: string } => {
  const taken = new Set(Object.values(state.numbers));
  for (let sequence = state.sequence + 1; ; sequence++) {
    const number = formatQuoteNumber(command.numbering, command.year, sequence);
    if (!taken.has(number)) return { sequence, number };
  }
};

const decide = (command: AssignQuoteNumber, state: QuoteCounterState): DomainEvent[] => {
  if (state.numbers[command.quoteId] !== undefined) return [];
  return [{ type: QUOTE_NUMBER_ASSIGNED, data: { quoteId: command.quoteId, ...nextFreeSequence(command, state) } }];
};

export const quoteCounterDecider: Decider<AssignQuoteNumber, DomainEvent, QuoteCounterState> = {
  initialState: initialQuoteCounter, evolve: evolveQuoteCounter, decide,
};

export const quoteCounterAggregate: Aggregate<AssignQuoteNumber, DomainEvent, QuoteCounterState> = {
  type: QUOTE_COUNTER_TYPE, decider: quoteCounterDecider,
};

// Many creates at once all race for the counter's next revision; each conflict is retried after
// a short random wait, far more often than an ordinary command (the handler's own 3 retries).
const MAX_ROUNDS = 200;

const isContention = (error: unknown): boolean => error instanceof AppError && error.code === 'concurrent_modification';

const assign = async (deps: CommandDeps, command: AssignQuoteNumber, context: CommandContext): Promise<void> => {
  for (let round = 1; ; round++) {
    try {
      await handleCommand(deps, quoteCounterAggregate, { id: String(command.year), command, context });
      return;
    } catch (error) {
      if (!isContention(error) || round >= MAX_ROUNDS) throw error;
      await sleep(Math.random() * Math.min(round, 20));
    }
  }
};

const childContext = (context: CommandContext, role: string): CommandContext => ({
  ...context, commandId: childCommandIdFor(context.commandId, role), causationId: context.commandId,
});

const numberOf = async (deps: CommandDeps, tenantId: string, year: number, quoteId: string): Promise<string> => {
  const events = await deps.store.readStream(streamName(tenantId, QUOTE_COUNTER_TYPE, String(year)));
  return fold(quoteCounterDecider, events.map((e) => ({ type: e.type, data: e.data }))).numbers[quoteId]!;
};

/**
 * The UTC year the quote was created in: its numbering, completed later (a retry, a send), may
 * run in the next year, and must take the number its year's counter gave it, or the next of that year.
 */
const creationYear = async (deps: CommandDeps, tenantId: string, quoteId: string, fallback: Date): Promise<number> => {
  const [created] = await deps.store.readStream(streamName(tenantId, quoteAggregate.type, quoteId), { maxCount: 1 });
  const occurredAt = created?.metadata.occurredAt;
  return (typeof occurredAt === 'string' ? new Date(occurredAt) : fallback).getUTCFullYear();
};

/** Gives the quote `quoteId` (created by the command of `context`) its number, of the year it was created in; idempotent. */
export const numberQuote = async (
  deps: CommandDeps, quoteId: string, context: CommandContext, numbering: SalesConfig['quoteNumbering'],
): Promise<CommandResult> => {
  const year = await creationYear(deps, context.tenantId, quoteId, context.now);
  await assign(deps, { type: 'AssignQuoteNumber', quoteId, year, numbering }, childContext(context, 'quote-number'));
  const number = await numberOf(deps, context.tenantId, year, quoteId);
  return handleCommand(deps, quoteAggregate, { id: quoteId, command: { type: 'NumberQuote', number }, context: childContext(context, 'quote-numbered') });
};

/** The quote as its stream folds (quotes hold no personal data). */
export const quoteStateOf = async (deps: CommandDeps, tenantId: string, quoteId: string): Promise<QuoteState> => {
  const events = await deps.store.readStream(streamName(tenantId, quoteAggregate.type, quoteId));
  return fold(quoteAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
};

/**
 * The win an accepted quote causes (`WinOpportunity`'s `byQuote`): at the quote's net total, its
 * `subtotal`, read from its stream (an accepted quote no longer changes, so every reader wins at the
 * same amount); none when it has no total. The acceptance reactor and a win by hand both use it.
 */
export const quoteWinOf = async (deps: CommandDeps, tenantId: string, quoteId: string): Promise<{ byQuote?: { quoteId: string; amount: Money } }> => {
  const quote = await quoteStateOf(deps, tenantId, quoteId);
  const amount = quote.status === 'none' ? undefined : (quote.fields.subtotal as Money | undefined);
  return amount ? { byQuote: { quoteId, amount } } : {};
};

/** Numbers a quote that a crash left without its number (nothing when it has one or does not exist). */
export const completeNumbering = async (
  deps: CommandDeps, quoteId: string, context: CommandContext, numbering: SalesConfig['quoteNumbering'],
): Promise<void> => {
  const state = await quoteStateOf(deps, context.tenantId, quoteId);
  if (state.status !== 'none' && state.fields.number === undefined) await numberQuote(deps, quoteId, context, numbering);
};
