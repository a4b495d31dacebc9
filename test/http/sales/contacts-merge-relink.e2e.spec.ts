import { expect } from 'chai';
import { commandIdFor } from '../../../src/commands/event-ids.js';
import { mergeContacts } from '../../../src/commands/sales/contact-merge.js';
import { readModelOf } from '../../../src/http/read-model.js';
import { contactLinksIn } from '../../../src/queries/sales/contact-merge.js';
import { salesSession } from './session.js';

let people = 0;
const someone = () => ({ firstName: 'Ada', lastName: 'Lovelace', email: `ada.relink.${(people += 1)}@example.org` });

describe('POST /sales/contacts/:id/merge: the loser\'s deals and activities', () => {
  const s = salesSession();
  const create = async (): Promise<string> => (await s.send('POST', '/sales/contacts', someone())).body.id;
  const merge = (survivor: string, loserId: string, headers: Record<string, string> = {}) =>
    s.send('POST', `/sales/contacts/${survivor}/merge`, { loserId }, undefined, headers);
  const FUTURE = '2031-03-04T10:00:00.000Z';
  const post = async (path: string, body: object) => {
    const res = await s.send('POST', path, body);
    expect(res.status, JSON.stringify(res.body)).to.be.below(300);
    return res.body.id as string;
  };
  const list = async (path: string, filter: string) => (await s.get(`${path}?filter=${encodeURIComponent(filter)}`)).body.data.map((r: { id: string }) => r.id).sort();
  const historyOf = async (path: string) => (await s.get(`${path}/history`)).body.data as { type: string; actorId: string; correlationId: string; data: any }[];

  it('move to the survivor: an open and a won deal, an activity linked to the loser and one it attends, a retry appending nothing', async () => {
    const [survivor, loser, other] = [await create(), await create(), await create()];
    const open = await post('/sales/opportunities', { name: 'Open deal', contactId: loser });
    const won = await post('/sales/opportunities', { name: 'Won deal', contactId: loser });
    expect((await s.send('POST', `/sales/opportunities/${won}/win`)).status).to.equal(200);
    const theirs = await post('/sales/opportunities', { name: 'Another\'s deal', contactId: other });
    const linked = await post('/sales/activities', { kind: 'call', subject: 'Call back', linkedTo: { type: 'contact', id: loser }, startsAt: FUTURE });
    expect((await s.send('POST', `/sales/activities/${linked}/complete`, { outcome: 'Reached' })).status).to.equal(200);
    const attendees = [{ type: 'contact', id: other }, { type: 'contact', id: loser }];
    const attended = await post('/sales/activities', { kind: 'meeting', subject: 'Demo', linkedTo: { type: 'opportunity', id: theirs }, startsAt: FUTURE, attendees });

    const headers = { 'Idempotency-Key': `merge-links-${survivor}` };
    const first = await merge(survivor, loser, headers);
    expect(first.status).to.equal(200);
    expect(await list('/sales/opportunities', `contactId[eq]:"${survivor}"`)).to.deep.equal([open, won].sort());
    expect(await list('/sales/opportunities', `contactId[eq]:"${loser}"`)).to.deep.equal([]);
    expect((await s.get(`/sales/opportunities/${won}`)).body).to.include({ contactId: survivor, stage: 'won' });
    expect((await s.get(`/sales/opportunities/${theirs}`)).body).to.include({ contactId: other });
    expect(await list('/sales/activities', `linkedTo.id[eq]:"${survivor}"`)).to.deep.equal([linked]);
    expect((await s.get(`/sales/activities/${linked}`)).body).to.deep.include({ linkedTo: { type: 'contact', id: survivor }, activityStatus: 'completed' });
    expect(await list('/sales/activities', `attendeeIds[eq]:"${survivor}"`)).to.deep.equal([attended]);
    expect((await s.get(`/sales/activities/${attended}`)).body).to.deep.include({
      attendees: [{ type: 'contact', id: other }, { type: 'contact', id: survivor }], attendeeIds: [other, survivor],
    });

    // Each history shows the move, by the merge's system actor in the merge's correlation.
    const { correlationId } = (await historyOf(`/sales/contacts/${survivor}`)).find((e) => e.type === 'ContactAbsorbed')!;
    for (const id of [open, won]) {
      const moved = (await historyOf(`/sales/opportunities/${id}`)).at(-1)!;
      expect(moved).to.deep.include({ type: 'OpportunityContactRelinked', actorId: 'system:contact-merge', correlationId, data: { from: loser, to: survivor } });
    }
    const relinked = (await historyOf(`/sales/activities/${linked}`)).at(-1)!;
    expect(relinked).to.deep.include({ type: 'ActivityRelinked', actorId: 'system:contact-merge', correlationId });
    expect(relinked.data).to.deep.include({ from: { type: 'contact', id: loser }, to: { type: 'contact', id: survivor } });
    expect((await historyOf(`/sales/activities/${attended}`)).map((e) => e.type)).to.deep.equal(['ActivityCreated', 'ActivityRelinked']);
    expect(first.body.position).to.equal(await s.head());

    // A retry with the key, or a new request, appends nothing.
    const before = await s.head();
    expect((await merge(survivor, loser, headers)).body).to.deep.equal(first.body);
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect(await s.head()).to.equal(before);
  });

  it('are moved by a retry with the same key after the merge stopped before moving them (the steps done are replayed, nothing twice)', async () => {
    const [survivor, loser] = [await create(), await create()];
    const deal = await post('/sales/opportunities', { name: 'Half-merged deal', contactId: loser });
    const key = `merge-interrupted-${survivor}`;
    const commandId = commandIdFor('acme', key);
    const { store, keyStore } = s.server();
    // The merge's steps up to the loser's retirement, as a process that stopped there left them (no finder: nothing moved).
    const context = { tenantId: 'acme', actorId: 'user-admin', commandId, correlationId: commandId, now: new Date() };
    await mergeContacts({ store, keyStore }, { request: { id: survivor, context }, loserId: loser });
    const stopped = await s.head();
    expect((await s.get(`/sales/opportunities/${deal}`)).body).to.include({ contactId: loser });
    const res = await merge(survivor, loser, { 'Idempotency-Key': key });
    expect(res.status).to.equal(200);
    expect(await s.head()).to.equal(stopped + 1);
    expect((await s.get(`/sales/opportunities/${deal}`)).body).to.include({ contactId: survivor });
    expect((await historyOf(`/sales/contacts/${loser}`)).map((e) => e.type)).to.deep.equal(['ContactCreated', 'ContactMerged', 'ContactArchived']);
  });

  it('leave the person\'s access export showing the meetings they attend as attended by the survivor, still attending', async () => {
    const [survivor, loser, other] = [await create(), await create(), await create()];
    const meeting = await post('/sales/activities', { kind: 'meeting', subject: 'Demo', linkedTo: { type: 'contact', id: other }, startsAt: FUTURE, attendees: [{ type: 'contact', id: loser }] });
    expect((await merge(survivor, loser)).status).to.equal(200);
    const subjectId = (await s.get(`/sales/contacts/${survivor}`)).body.subjectId;
    const { attended } = (await s.get(`/api/compliance/subjects/${subjectId}/export`)).body;
    expect(attended).to.have.length(1);
    expect(attended[0]).to.deep.include({ id: meeting, attendee: { type: 'contact', id: survivor }, attending: true });
  });

  it('answer a merge found done, by a new request or a retry whose first answer was lost, with a position covering the moves made before', async () => {
    const [survivor, loser] = [await create(), await create()];
    const deal = await post('/sales/opportunities', { name: 'Moved earlier', contactId: loser });
    const key = `merge-answer-lost-${survivor}`;
    const commandId = commandIdFor('acme', key);
    const context = { tenantId: 'acme', actorId: 'user-admin', commandId, correlationId: commandId, now: new Date() };
    // The whole merge ran, moves included, but its answer was never stored (the process stopped before).
    const { store, keyStore, readDb, projections } = s.server();
    const links = contactLinksIn(readModelOf(store, readDb, projections));
    const done = await mergeContacts({ store, keyStore }, { request: { id: survivor, context }, loserId: loser, links });
    expect(done.position).to.equal(BigInt(await s.head()));
    const moved = (await historyOf(`/sales/opportunities/${deal}`)).at(-1)!;
    expect(moved.type).to.equal('OpportunityContactRelinked');
    for (const headers of [{ 'Idempotency-Key': key }, {}] as Record<string, string>[]) {
      const res = await merge(survivor, loser, headers);
      expect(res.status).to.equal(200);
      expect(res.body.position, JSON.stringify(headers)).to.be.at.least(Number(done.position));
    }
  });
});
