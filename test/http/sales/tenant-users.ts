/**
 * What the specs of user ids given to records (owners, target assignees) share: a user of the
 * tenant in each state a user id can be in, and the refusals that write nothing.
 */
import { expect } from 'chai';
import type { Answer } from '../../support/http.js';
import { createUserIn } from '../../support/tenant.js';
import type { SalesSession } from './session.js';

/** An id naming no user of any tenant. */
export const MISSING = '00000000-0000-0000-0000-000000000000';

export type TenantUsers = { active: string; invited: string; deactivated: string; erased: string; theirs: string };

/** Sends a write that must succeed (200 or 201); answers its body. */
export const written = async (s: SalesSession, method: string, path: string, body: object = {}, token?: string) => {
  const res = await s.send(method, path, body, token);
  expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 201]);
  return res.body;
};

/**
 * Users of the admin's tenant (`acme`), one in each state, and one of another tenant (`theirs`),
 * with emails at `domain`; created in a `before` hook (call inside `describe`, after `salesSession`).
 */
export const tenantUsers = (s: SalesSession, domain: string): TenantUsers => {
  const users: TenantUsers = { active: '', invited: '', deactivated: '', erased: '', theirs: '' };
  before(async () => {
    const user = (name: string, token = s.admin()) => createUserIn(s.server(), token, `${name}@${domain}`, ['sales_rep']);
    users.active = await user('active');
    users.deactivated = await user('deactivated');
    users.erased = await user('erased');
    users.theirs = await user('theirs', s.globex());
    users.invited = (await written(s, 'POST', '/api/admin/users/invite', { email: `invited@${domain}`, name: 'Invited User', roles: ['sales_rep'] })).id;
    await written(s, 'POST', `/api/admin/users/${users.deactivated}/deactivate`, { reason: 'left the company' });
    await written(s, 'POST', `/api/compliance/subjects/${users.erased}/erase`, { reason: 'GDPR art. 17 request' });
  });
  return users;
};

/** Sends each body; every answer must be a refusal that appended nothing. */
export const refusalsOf = async (s: SalesSession, method: string, path: string, bodies: object[], token?: string): Promise<Answer[]> => {
  const before = await s.head();
  const answers = [];
  for (const body of bodies) answers.push(await s.send(method, path, body, token));
  expect(await s.head()).to.equal(before);
  return answers;
};
