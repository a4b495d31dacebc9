/**
 * A contact's links to accounts, each with roles of the tenant's configuration (`contactRoles`).
 * Linking a new account appends `ContactLinkedToAccount`; linking it again with other roles (or
 * as the primary account) appends `ContactAccountRolesChanged` with the link's whole role list;
 * the same link again appends nothing. `primary` also makes it the contact's `accountId`;
 * unlinking the primary account clears `accountId`. Every event carries the list after it. The
 * deciding part is pure: whether the account exists arrives in the command, read from the log
 * first (`withCheckedAccount`), like an activity's link.
 */
import { RuleViolationError } from '../../errors.js';
import { accountKind } from '../../events/sales/account.js';
import {
  CONTACT_LINKED, CONTACT_ROLES_CHANGED, CONTACT_UNLINKED, type AccountLink, type ContactLinkEvent,
} from '../../events/sales/contact.js';
import type { CommandDeps } from '../handle.js';
import type { LiveBody } from '../rule-record.js';
import { linkedRecordOf } from '../record-links.js';

/** The link a caller asks for; `accountFound` and `knownRoles` are read before deciding. */
export type LinkContactToAccount = {
  type: 'LinkContactToAccount'; accountId: string; roles: string[]; primary: boolean; accountFound: boolean; knownRoles: string[];
};
export type UnlinkContactFromAccount = { type: 'UnlinkContactFromAccount'; accountId: string };

type Link = { accountId: string; roles: string[]; primary: boolean };

/** The contact's links, as its `accounts` field holds them. */
export const linksOf = (body: LiveBody): AccountLink[] => (Array.isArray(body.fields.accounts) ? (body.fields.accounts as AccountLink[]) : []);

const primaryOf = (body: LiveBody): string | undefined => (typeof body.fields.accountId === 'string' ? body.fields.accountId : undefined);

const sameRoles = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((r) => b.includes(r));

/** The list with that link set, every link flagged against the primary account. */
const relisted = (links: AccountLink[], { accountId, roles }: Link, primaryId: string | undefined): AccountLink[] => {
  const next = links.some((l) => l.accountId === accountId)
    ? links.map((l) => (l.accountId === accountId ? { ...l, roles } : l))
    : [...links, { accountId, roles, primary: false }];
  return next.map((l) => ({ ...l, primary: l.accountId === primaryId }));
};

/** The event setting one link over `links` (none when it is already so). */
const linkEvent = (links: AccountLink[], primaryId: string | undefined, link: Link): ContactLinkEvent[] => {
  const existing = links.find((l) => l.accountId === link.accountId);
  const nextPrimary = link.primary ? link.accountId : primaryId;
  if (existing && sameRoles(existing.roles, link.roles) && nextPrimary === primaryId) return [];
  const accounts = relisted(links, link, nextPrimary);
  return [{ type: existing ? CONTACT_ROLES_CHANGED : CONTACT_LINKED, data: { ...link, accounts } }];
};

/** Links a live contact to an account: 422 `account_not_found`, 422 `unknown_role`. */
export const linkToAccount = (body: LiveBody, command: LinkContactToAccount): ContactLinkEvent[] => {
  const { accountId, roles, primary } = command;
  if (!command.accountFound) throw new RuleViolationError('account_not_found', 'No such account in this tenant', { accountId });
  const unknown = roles.filter((r) => !command.knownRoles.includes(r));
  if (unknown.length > 0) throw new RuleViolationError('unknown_role', `Unknown contact roles: ${unknown.join(', ')}`, { roles: unknown, known: command.knownRoles });
  return linkEvent(linksOf(body), primaryOf(body), { accountId, roles: [...new Set(roles)], primary });
};

/** Unlinks an account (nothing when it is neither linked nor the primary account). */
export const unlinkFromAccount = (body: LiveBody, accountId: string): ContactLinkEvent[] => {
  const links = linksOf(body);
  const primaryCleared = primaryOf(body) === accountId;
  if (!primaryCleared && !links.some((l) => l.accountId === accountId)) return [];
  const primaryId = primaryCleared ? undefined : primaryOf(body);
  const accounts = links.filter((l) => l.accountId !== accountId).map((l) => ({ ...l, primary: l.accountId === primaryId }));
  return [{ type: CONTACT_UNLINKED, data: { accountId, primaryCleared, accounts } }];
};

/**
 * The survivor of a merge gains the loser's links, roles united; the primary account is the
 * survivor's (or the loser's when the survivor had none: the merge fills `accountId` first).
 */
export const absorbLinks = (survivor: LiveBody, loser: LiveBody): ContactLinkEvent[] => {
  const primaryId = primaryOf(survivor) ?? primaryOf(loser);
  let links = linksOf(survivor);
  const events: ContactLinkEvent[] = [];
  for (const theirs of linksOf(loser)) {
    const ours = links.find((l) => l.accountId === theirs.accountId);
    const roles = [...new Set([...(ours?.roles ?? []), ...theirs.roles])];
    const [event] = linkEvent(links, primaryId, { accountId: theirs.accountId, roles, primary: false });
    if (event) events.push(event);
    if (event) links = event.data.accounts;
  }
  return events;
};

/** The link command with whether its account exists in the tenant (its stream has events). */
export const withCheckedAccount = async (
  deps: CommandDeps, tenantId: string, link: Omit<LinkContactToAccount, 'type' | 'accountFound'>,
): Promise<LinkContactToAccount> => {
  const { found } = await linkedRecordOf(deps, tenantId, accountKind, link.accountId);
  return { type: 'LinkContactToAccount', ...link, accountFound: found };
};
