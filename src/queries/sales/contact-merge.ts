/**
 * The records a contact merge moves from the loser to the survivor: opportunities naming the
 * loser as `contactId`, activities linked to it or listing it among their attendees, archived
 * ones included. The log has no index by link, so they are read from the read models once those
 * have applied the log up to the merge's position (the loser's `ContactMerged`): every record
 * linked to the loser before it is then in them. The read model only proposes: each record's
 * decider, on its stream, moves it only if it still names the loser.
 */
import type Database from 'better-sqlite3';
import type { ContactLinksFinder } from '../../commands/sales/contact-merge-relink.js';
import { activityKind } from '../../events/sales/activity.js';
import { opportunityKind } from '../../events/sales/opportunity.js';
import { everyRecord } from '../record-list.js';

/** The read models, and their wait for a position (503 `consistency_timeout` when they lag too long). */
export type MergeLinkSource = { db: Database.Database; waitFor: (position: bigint, projection: string) => Promise<void> };

export const contactLinksIn = (source: MergeLinkSource): ContactLinksFinder => async (tenantId, contactId, position) => {
  for (const kind of [opportunityKind, activityKind]) await source.waitFor(position, kind.type);
  const id = JSON.stringify(contactId);
  const idsOf = (kind: typeof activityKind, filter: string): string[] => everyRecord(source.db, kind, { tenantId }, { filter }).map((r) => r.id);
  return {
    opportunities: idsOf(opportunityKind, `contactId[eq]:${id}`),
    activities: idsOf(activityKind, `or(and(linkedTo.type[eq]:"contact",linkedTo.id[eq]:${id}),attendeeIds[eq]:${id})`),
  };
};
