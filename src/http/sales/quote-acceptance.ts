/**
 * What accepting a quote of an opportunity is decided against, and the lock that keeps it true
 * while the acceptance is appended. Accepting wins the opportunity (the acceptance reactor), so:
 * the caller must be allowed to change the opportunity; a lost one is reopened first, an archived
 * one restored first; its amount, if it has one, is in the quote's currency (winning must not
 * change the deal's currency); and one quote of it is accepted at a time (since its last
 * reopening: a won deal reopened may accept another). The opportunity's acceptances, loss and
 * reopening take one lock per opportunity (in Redis too, when configured), so none of them changes
 * the facts an acceptance was decided on; and a deal with an accepted quote is not lost (its
 * reactor is winning it, and a win by hand wins it at that quote's net total, as the reactor would).
 * Archiving the deal or changing its amount takes no such lock.
 */
import type { Context } from 'koa';
import { authorize } from '../../access/policy.js';
import { fold } from '../../commands/decider.js';
import { opportunityAggregate, type OpportunityState } from '../../commands/sales/opportunity.js';
import type { DealFacts } from '../../commands/sales/quote.js';
import { quoteWinOf } from '../../commands/sales/quote-numbering.js';
import { streamName } from '../../events/log/stream-name.js';
import { OPPORTUNITY_REOPENED } from '../../events/sales/opportunity.js';
import { QUOTE_ACCEPTED, quoteKind } from '../../events/sales/quote.js';
import { everyRecord } from '../../queries/record-list.js';
import { principalOf } from '../authenticate.js';
import type { RouteDeps } from '../records.js';
import { fencedBy } from '../../process-locks.js';
import { processLock } from '../uniqueness-lock.js';

/**
 * Runs `work` holding the opportunity's acceptance lock (nothing to hold without an opportunity),
 * with deps whose store appends only while the lock is held (`fencedBy`).
 */
export const underDealLock = async <T>(deps: RouteDeps, tenantId: string, opportunityId: string | undefined, work: (deps: RouteDeps) => Promise<T>): Promise<T> => {
  const hold = await (deps.uniquenessLock ?? processLock)(opportunityId ? [`${tenantId}\0quote-acceptance\0${opportunityId}`] : []);
  try {
    return await work(fencedBy(deps, hold));
  } finally {
    await hold.release();
  }
};

/** The opportunity's state, and the log position of its last reopening (0 when never reopened). */
const dealOf = async (deps: RouteDeps, tenantId: string, opportunityId: string) => {
  const events = await deps.store.readStream(streamName(tenantId, opportunityAggregate.type, opportunityId));
  const state: OpportunityState = fold(opportunityAggregate.decider, events.map((e) => ({ type: e.type, data: e.data })));
  const reopenedAt = events.filter((e) => e.type === OPPORTUNITY_REOPENED).at(-1)?.position ?? 0n;
  return { state, reopenedAt };
};

/** What a quote's send and acceptance are decided on of its opportunity: status, archived, the amount's currency. */
const factsOf = (state: OpportunityState): DealFacts => {
  if (state.status === 'none') return { status: 'none' };
  const amount = state.fields.amount as { currency?: unknown } | null | undefined;
  return { status: state.status, archived: state.archived, currency: typeof amount?.currency === 'string' ? amount.currency : null };
};

/** The facts of the quote's opportunity (null when it names none), as `SendQuote` is decided on them. */
export const dealFactsOf = async (deps: RouteDeps, tenantId: string, opportunityId: string | undefined): Promise<DealFacts | null> =>
  opportunityId ? factsOf((await dealOf(deps, tenantId, opportunityId)).state) : null;

/** Where the quote's acceptance is in the log (0 when it has none). */
const acceptedAt = async (deps: RouteDeps, tenantId: string, quoteId: string): Promise<bigint> =>
  (await deps.store.readStream(streamName(tenantId, quoteKind.type, quoteId))).filter((e) => e.type === QUOTE_ACCEPTED).at(-1)?.position ?? 0n;

/** Another quote of the opportunity accepted since its last reopening, from the quotes read model once it holds every acknowledged write. */
const acceptedSiblingOf = async (deps: RouteDeps, tenantId: string, quoteId: string, opportunityId: string, reopenedAt: bigint) => {
  await deps.readModel.waitFor(await deps.store.headPosition(), quoteKind.type);
  const filter = `and(opportunityId[eq]:${JSON.stringify(opportunityId)},quoteStatus[eq]:"accepted")`;
  for (const { id } of everyRecord(deps.readModel.db, quoteKind, { tenantId }, { filter })) if (id !== quoteId && (await acceptedAt(deps, tenantId, id)) > reopenedAt) return id;
  return null;
};

/** A quote of the opportunity accepted since its last reopening, which its loss is decided on (call under `underDealLock`). */
export const acceptedQuoteOf = async (deps: RouteDeps, tenantId: string, opportunityId: string): Promise<string | null> =>
  acceptedSiblingOf(deps, tenantId, '', opportunityId, (await dealOf(deps, tenantId, opportunityId)).reopenedAt);

/**
 * How a win by hand is decided (call under `underDealLock`): a quote of the deal accepted since its
 * last reopening is winning it (its reactor may not have run yet), so the deal is won at that
 * quote's net total, as the reactor would; otherwise at its own amount.
 */
export const handWinOf = async (deps: RouteDeps, tenantId: string, opportunityId: string) => {
  const quoteId = await acceptedQuoteOf(deps, tenantId, opportunityId);
  return quoteId ? quoteWinOf(deps, tenantId, quoteId) : {};
};

/** The facts `AcceptQuote` is decided on (call under `underDealLock`); 403 when the caller may not change the opportunity. */
export const acceptanceFacts = async (deps: RouteDeps, ctx: Context, quoteId: string, opportunityId: string | undefined) => {
  if (!opportunityId) return { deal: null, acceptedSibling: null };
  const principal = principalOf(ctx.state);
  const { state, reopenedAt } = await dealOf(deps, principal.tenantId, opportunityId);
  if (state.status !== 'none') authorize(principal, 'sales.opportunities:update', { ownerId: state.ownerId });
  return { deal: factsOf(state), acceptedSibling: await acceptedSiblingOf(deps, principal.tenantId, quoteId, opportunityId, reopenedAt) };
};
