import { expect } from 'chai';
import { tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

let people = 0;
const someone = (extra: Record<string, string> = {}) => ({ firstName: 'Ada', lastName: 'Lovelace', email: `ada.merge.${(people += 1)}@example.org`, ...extra });

describe('POST /sales/contacts/:id/merge', () => {
  const s = salesSession();
  const create = async (body: object = someone(), token?: string): Promise<string> => (await s.send('POST', '/sales/contacts', body, token, {})).body.id;
  const merge = (survivor: string, loserId: string, headers: Record<string, string> = {}, token?: string) =>
    s.send('POST', `/sales/contacts/${survivor}/merge`, { loserId }, token, headers);

  it('absorbs the loser: the survivor fills the fields it lacks, the loser is archived and points to it, both histories stay', async () => {
    const survivor = await create(someone({ city: 'London' }));
    const loser = await create(someone({ city: 'Paris', phone: '+44 20 7946 0001', jobTitle: 'Analyst' }));
    const res = await merge(survivor, loser, { 'If-Match': '"0"' });
    expect(res.status).to.equal(200);
    expect(res.body).to.include({ id: survivor, revision: 2 });
    const kept = (await s.get(`/sales/contacts/${survivor}`)).body;
    expect(kept).to.include({ status: 'active', city: 'London', phone: '+44 20 7946 0001', jobTitle: 'Analyst' });
    const gone = (await s.get(`/sales/contacts/${loser}`)).body;
    expect(gone).to.include({ status: 'archived', mergedInto: survivor, city: 'Paris' });
    const history = (id: string) => s.get(`/sales/contacts/${id}/history`).then((h) => h.body.data.map((e: { type: string }) => e.type));
    expect(await history(survivor)).to.deep.equal(['ContactCreated', 'ContactAbsorbed', 'ContactUpdated']);
    expect(await history(loser)).to.deep.equal(['ContactCreated', 'ContactMerged', 'ContactArchived']);
  });

  it('is idempotent: a retry (same Idempotency-Key or a new request) appends nothing', async () => {
    const [survivor, loser] = [await create(), await create()];
    const headers = { 'Idempotency-Key': `merge-${survivor}` };
    const first = await merge(survivor, loser, headers);
    const before = await s.head();
    expect((await merge(survivor, loser, headers)).body).to.deep.equal(first.body);
    expect((await merge(survivor, loser)).status).to.equal(200);
    expect(await s.head()).to.equal(before);
  });

  it('leaves the loser read-only (409 contact_merged), a restore included', async () => {
    const [survivor, loser] = [await create(), await create()];
    await merge(survivor, loser);
    expect((await s.send('PATCH', `/sales/contacts/${loser}`, { city: 'Rome' })).body.code).to.equal('contact_merged');
    expect((await s.send('POST', `/sales/contacts/${loser}/restore`, {})).body.code).to.equal('contact_merged');
  });

  it('keeps each subject: erasing the loser still works and leaves the survivor readable', async () => {
    const [survivor, loser] = [await create(), await create(someone({ phone: '+1 555 0100' }))];
    await merge(survivor, loser);
    const { subjectId } = (await s.get(`/sales/contacts/${loser}`)).body;
    expect((await s.send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'art. 17' })).status).to.be.lessThan(300);
    expect((await s.get(`/sales/contacts/${loser}`)).body).to.include({ email: null, mergedInto: survivor });
    expect((await s.get(`/sales/contacts/${survivor}`)).body).to.include({ phone: '+1 555 0100' });
  });

  describe('refusals (nothing written)', () => {
    const refused = async (send: () => Promise<{ status: number; body: any }>, status: number, code: string) => {
      const before = await s.head();
      const res = await send();
      expect([res.status, res.body.code]).to.deep.equal([status, code]);
      expect(await s.head()).to.equal(before);
    };

    it('merging a contact into itself (422 merge_into_itself)', async () => {
      const id = await create();
      await refused(() => merge(id, id), 422, 'merge_into_itself');
    });

    it('an archived loser or survivor (409 record_archived), a merged one (409 contact_merged)', async () => {
      const [survivor, archived, merged, other] = [await create(), await create(), await create(), await create()];
      await s.send('POST', `/sales/contacts/${archived}/archive`, {});
      await merge(other, merged);
      await refused(() => merge(survivor, archived), 409, 'record_archived');
      await refused(() => merge(archived, survivor), 409, 'record_archived');
      await refused(() => merge(survivor, merged), 409, 'contact_merged');
      await refused(() => merge(merged, survivor), 409, 'contact_merged');
    });

    it('another tenant\'s contact, as loser or survivor (404)', async () => {
      const [mine, theirs] = [await create(), await create(someone(), s.globex())];
      await refused(() => merge(mine, theirs), 404, 'not_found');
      await refused(() => merge(theirs, mine), 404, 'not_found');
    });

    it('a loser the caller may not change (403), taking nothing from it into their own contact', async () => {
      const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'rep-1', roles: ['sales_rep'] });
      const own = await create(someone(), rep);
      const others = await create(someone({ city: 'London', phone: '+44 20 7946 0000' }));
      await refused(() => merge(own, others, {}, rep), 403, 'forbidden');
      const kept = (await s.get(`/sales/contacts/${own}`)).body;
      expect([kept.revision, kept.city, kept.phone]).to.deep.equal([0, undefined, undefined]);
    });

    it('a caller who may change contacts but not archive them (403): the merge archives the loser', async () => {
      const grants = ['read', 'update'].map((action) => ({ permission: `sales.contacts:${action}`, scope: 'all' }));
      expect((await s.send('POST', '/api/admin/roles', { name: 'contact_editor', grants })).status).to.equal(201);
      const editor = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'editor-1', roles: ['contact_editor'] });
      const [survivor, loser] = [await create(), await create()];
      await refused(() => merge(survivor, loser, {}, editor), 403, 'forbidden');
    });

    it('a stale If-Match on the survivor (412)', async () => {
      const [survivor, loser] = [await create(), await create()];
      await refused(() => merge(survivor, loser, { 'If-Match': '"7"' }), 412, 'precondition_failed');
    });
  });
});
