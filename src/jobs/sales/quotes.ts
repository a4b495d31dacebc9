/**
 * The quote's background work, hosted by the API (it needs the API's stores and read model):
 * - `sales.quote-expiry` `{ tenantId, quoteId, validUntil, now? }`, enqueued when a quote is sent, runs
 *   the day after `validUntil` and expires the quote if it is still sent (otherwise nothing); `now`
 *   is an input (default: the clock when the job runs);
 * - `sales.quote-accepted` `{ tenantId, quoteId, opportunityId, position }`, the acceptance reactor: wins the
 *   opportunity at the quote's net total (its `subtotal`, before tax, in its currency: the deal's amount
 *   from then on) and rejects the quote's open siblings (same opportunity, draft or sent).
 * Every command's id derives from the job's subject, so a rerun appends nothing twice, and a
 * refusal because the work is already done (won, closed) counts as done; so does the win of an
 * archived opportunity, which can never succeed (logged; the siblings are still rejected), and the
 * rejection of an archived sibling (left as it is).
 */
import { commandIdFor } from '../../commands/event-ids.js';
import { handleCommand, type CommandContext, type CommandDeps } from '../../commands/handle.js';
import { opportunityAggregate } from '../../commands/sales/opportunity.js';
import { quoteAggregate } from '../../commands/sales/quote.js';
import { quoteWinOf } from '../../commands/sales/quote-numbering.js';
import { AppError, UnavailableError } from '../../errors.js';
import { parseStreamName } from '../../events/log/stream-name.js';
import { QUOTE_ACCEPTED, QUOTE_SENT, quoteKind } from '../../events/sales/quote.js';
import { everyRecord } from '../../queries/record-list.js';
import { defineJob, type JobDeps } from '../define.js';
import type { JobQueue } from '../port.js';
import type { Reaction } from '../reactions.js';

export const QUOTE_EXPIRY_JOB = 'sales.quote-expiry';
export const QUOTE_ACCEPTED_JOB = 'sales.quote-accepted';

type ExpiryData = { tenantId: string; quoteId: string; validUntil: string; now?: string };
/** `position`: the acceptance's, which the quotes read model must hold before the siblings are read from it. */
type AcceptedData = { tenantId: string; quoteId: string; opportunityId: string; position: number };

const DAY_MS = 86_400_000;

const storesOf = (deps: JobDeps) => {
  if (!deps.compliance) throw new UnavailableError('stores_unavailable', 'Quote jobs run in the API process only');
  return deps.compliance;
};

const contextOf = (tenantId: string, actorId: string, key: string, now = new Date()): CommandContext => ({
  tenantId, actorId, commandId: commandIdFor(tenantId, key), correlationId: key, now,
});

/**
 * Runs a command; a refusal with one of `done` codes means the effect is there already (or can never
 * be: `settled` hears of it, to log it).
 */
const ensure = async (done: readonly string[], write: () => Promise<unknown>, settled?: (code: string) => void): Promise<void> => {
  try {
    await write();
  } catch (error) {
    if (!(error instanceof AppError && done.includes(error.code))) throw error;
    settled?.(error.code);
  }
};

/** Enqueues the expiry timer of a sent quote: it runs at the start of the day after `validUntil` (UTC). */
export const scheduleExpiry = (queue: Pick<JobQueue, 'enqueue'>, data: ExpiryData, now: Date) =>
  queue.enqueue(QUOTE_EXPIRY_JOB, data, {
    id: `quote-expiry.${data.quoteId}.${data.validUntil}`,
    delayMs: Math.max(0, Date.parse(`${data.validUntil}T00:00:00Z`) + DAY_MS - now.getTime()),
  });

/** Enqueues the acceptance reactor of an accepted quote (once per quote). */
export const reactToAcceptance = (queue: Pick<JobQueue, 'enqueue'>, data: AcceptedData) =>
  queue.enqueue(QUOTE_ACCEPTED_JOB, data, { id: `quote-accepted.${data.quoteId}` });

export const quoteExpiryJob = defineJob<ExpiryData>({
  name: QUOTE_EXPIRY_JOB,
  hostedBy: 'api',
  handler: (deps) => async ({ data: { tenantId, quoteId, validUntil, now } }) => {
    const context = contextOf(tenantId, 'system:quote-expiry', `quote-expiry:${quoteId}:${validUntil}`, now ? new Date(now) : undefined);
    const command = { type: 'ExpireQuote' as const, today: context.now.toISOString().slice(0, 10) };
    await handleCommand(storesOf(deps), quoteAggregate, { id: quoteId, command, context });
  },
});

/** The quote's siblings that are still open, from the read model once it holds the acceptance, page by page. */
const openSiblings = async (deps: JobDeps, { tenantId, quoteId, opportunityId, position }: AcceptedData): Promise<string[]> => {
  await deps.readModel?.waitFor(BigInt(position), quoteKind.type);
  const filter = `and(opportunityId[eq]:${JSON.stringify(opportunityId)},quoteStatus[in]:["draft","sent"])`;
  return everyRecord(storesOf(deps).readDb, quoteKind, { tenantId }, { filter }).map((r) => r.id).filter((id) => id !== quoteId);
};

/**
 * Wins the opportunity; one already won or lost, or gone, counts as done. An archived one (its quote
 * accepted before acceptance refused archived deals, or archived since) is not won: settled, logged.
 */
const winOpportunity = async (deps: JobDeps, stores: CommandDeps, data: AcceptedData) => {
  const context = contextOf(data.tenantId, 'system:quote-acceptance', `quote-accepted:${data.quoteId}:win`);
  const command = { type: 'WinOpportunity' as const, ...(await quoteWinOf(stores, data.tenantId, data.quoteId)) };
  const settled = (code: string) => {
    if (code !== 'record_archived') return;
    const fields = { tenantId: data.tenantId, quoteId: data.quoteId, opportunityId: data.opportunityId, code };
    deps.logger.warn(fields, 'the accepted quote\'s opportunity is archived: not won; restore it and win it by hand');
  };
  const write = () => handleCommand(stores, opportunityAggregate, { id: data.opportunityId, command, context });
  await ensure(['opportunity_closed', 'not_found', 'record_archived'], write, settled);
};

const rejectSibling = (stores: CommandDeps, data: AcceptedData) => (id: string) => {
  const context = contextOf(data.tenantId, 'system:quote-acceptance', `quote-accepted:${data.quoteId}:reject:${id}`);
  const command = { type: 'RejectQuote' as const, reason: `Another quote (${data.quoteId}) was accepted` };
  // An archived sibling (lists include archived records) refuses every command: left as it is, or the job would fail forever.
  return ensure(['quote_closed', 'not_found', 'record_archived'], () => handleCommand(stores, quoteAggregate, { id, command, context }));
};

export const quoteAcceptedJob = defineJob<AcceptedData>({
  name: QUOTE_ACCEPTED_JOB,
  hostedBy: 'api',
  handler: (deps) => async ({ data }) => {
    const stores = storesOf(deps);
    await winOpportunity(deps, stores, data);
    for (const id of await openSiblings(deps, data)) await rejectSibling(stores, data)(id);
  },
});

/** The same jobs from the log (`reactions.ts`): a sent quote's timer, an accepted quote's reactor. */
export const quoteReaction: Reaction = {
  handles: [QUOTE_SENT, QUOTE_ACCEPTED],
  enqueue: async (queue, event, now) => {
    const { tenantId, id: quoteId } = parseStreamName(event.stream);
    const { validUntil, opportunityId } = event.data;
    if (event.type === QUOTE_SENT && typeof validUntil === 'string') return scheduleExpiry(queue, { tenantId, quoteId, validUntil }, now);
    if (event.type === QUOTE_ACCEPTED && typeof opportunityId === 'string') {
      return reactToAcceptance(queue, { tenantId, quoteId, opportunityId, position: Number(event.position) });
    }
    return undefined;
  },
};
