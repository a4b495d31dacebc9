import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { call, tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

const person = (email: string, extra: object = {}) => ({ firstName: 'Grace', lastName: 'Hopper', email, ...extra });

describe('/sales/leads: possible duplicates, warned and never refused', () => {
  const s = salesSession();
  const lead = async (email: string, extra: object = {}, token?: string): Promise<string> => {
    const res = await s.send('POST', '/sales/leads', person(email, extra), token);
    expect(res.status).to.equal(201);
    return res.body.id;
  };
  const contact = async (email: string): Promise<string> => (await s.send('POST', '/sales/contacts', person(email))).body.id;
  const read = async (id: string, token?: string) => (await s.get(`/sales/leads/${id}`, token)).body;
  const duplicatesOf = async (id: string) => (await read(id)).possibleDuplicates;
  const emailsTable = () => s.server().projections.physicalTable('sales.lead', 'sales_lead_emails');
  const emailRows = () => s.server().readDb.db.prepare(`SELECT * FROM "${emailsTable()}" ORDER BY record_kind, id`).all() as Array<Record<string, unknown>>;

  describe('GET /sales/leads for a caller who may not read every contact and lead', () => {
    it('withholds possibleDuplicates (absent from the read, the list and the export), keeping the duplicate flag', async () => {
      const grants = ['sales.leads:read', 'sales.leads:create', 'sales.contacts:read'].map((permission) => ({ permission, scope: 'own' }));
      expect((await s.send('POST', '/api/admin/roles', { name: 'own_leads', grants })).status).to.equal(201);
      const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'own-leads', roles: ['own_leads'] });
      const theirs = await contact('secret@dup-withheld.example');
      const mine = await lead('secret@dup-withheld.example', {}, rep);
      const own = await read(mine, rep);
      expect(own).to.include({ duplicate: true }).and.not.to.have.property('possibleDuplicates');
      const listed = (await s.get(`/sales/leads?filter=${encodeURIComponent('duplicate[eq]:true')}`, rep)).body.data;
      expect(listed.map((l: { id: string }) => l.id)).to.deep.equal([mine]);
      expect(listed[0]).not.to.have.property('possibleDuplicates');
      const exported = await fetch(`${s.server().url}/sales/leads/export?format=jsonl`, { headers: { Authorization: `Bearer ${rep}` } });
      expect(await exported.text()).not.to.contain(theirs);
      expect((await read(mine)).possibleDuplicates).to.deep.equal([{ kind: 'contact', id: theirs }]);
    });
  });

  describe('GET /sales/leads/:id', () => {
    it("lists the tenant's active contact holding the lead's email, compared normalized; a lead of its own email lists none", async () => {
      const grace = await contact('grace@dup.example');
      const matching = await lead('GRACE@Dup.Example');
      expect(await read(matching)).to.include({ duplicate: true }).and.deep.include({ possibleDuplicates: [{ kind: 'contact', id: grace }] });
      expect(await read(await lead('alone@dup.example'))).to.deep.include({ possibleDuplicates: [], duplicate: false });
      const elsewhere = await lead('grace@dup.example', {}, s.globex());
      expect(await read(elsewhere, s.globex())).to.deep.include({ possibleDuplicates: [], duplicate: false });
    });

    it("follows a change of either record's email", async () => {
      const grace = await contact('moving.contact@dup.example');
      const id = await lead('moving.lead@dup.example');
      expect(await duplicatesOf(id)).to.deep.equal([]);
      await s.send('PATCH', `/sales/leads/${id}`, { email: 'Moving.Contact@dup.example' });
      expect(await duplicatesOf(id)).to.deep.equal([{ kind: 'contact', id: grace }]);
      await s.send('PATCH', `/sales/contacts/${grace}`, { email: 'moved.away@dup.example' });
      expect(await duplicatesOf(id)).to.deep.equal([]);
    });

    it('no longer lists a contact once archived (again once restored) or merged into another', async () => {
      const grace = await contact('archived.contact@dup.example');
      const id = await lead('archived.contact@dup.example');
      expect(await duplicatesOf(id)).to.deep.equal([{ kind: 'contact', id: grace }]);
      await s.send('POST', `/sales/contacts/${grace}/archive`, {});
      expect(await read(id)).to.deep.include({ possibleDuplicates: [], duplicate: false });
      await s.send('POST', `/sales/contacts/${grace}/restore`, {});
      expect(await duplicatesOf(id)).to.deep.equal([{ kind: 'contact', id: grace }]);
      const survivor = await contact('survivor@dup.example');
      expect((await s.send('POST', `/sales/contacts/${survivor}/merge`, { loserId: grace })).status).to.equal(200);
      expect(await duplicatesOf(id)).to.deep.equal([]);
    });

    it('no longer lists a lead once archived or converted (its contact instead); a lead not open lists none', async () => {
      const [first, second, third] = [await lead('three@dup.example'), await lead('three@dup.example'), await lead('three@dup.example')];
      expect(await duplicatesOf(first)).to.deep.equal([{ kind: 'lead', id: second }, { kind: 'lead', id: third }]);
      await s.send('POST', `/sales/leads/${second}/archive`, {});
      expect(await duplicatesOf(first)).to.deep.equal([{ kind: 'lead', id: third }]);
      expect(await read(second)).to.deep.include({ possibleDuplicates: [], duplicate: false });
      const { contactId } = (await s.send('POST', `/sales/leads/${third}/convert`, {})).body;
      expect(await duplicatesOf(first)).to.deep.equal([{ kind: 'contact', id: contactId }]);
      expect(await duplicatesOf(third)).to.deep.equal([]);
    });

    it('lists at most 20, contacts first, then the oldest', async () => {
      const leads: string[] = [];
      for (let i = 0; i < 21; i++) leads.push(await lead('crowd@dup.example'));
      const grace = await contact('crowd@dup.example');
      const expected = [{ kind: 'contact', id: grace }, ...leads.slice(0, 19).map((id) => ({ kind: 'lead', id }))];
      expect(await duplicatesOf(leads[20]!)).to.deep.equal(expected);
      expect(await duplicatesOf(leads[0]!)).to.deep.equal([{ kind: 'contact', id: grace }, ...leads.slice(1, 20).map((id) => ({ kind: 'lead', id }))]);
      await s.send('POST', `/sales/leads/${leads[1]}/archive`, {});
      expect(await duplicatesOf(leads[20]!)).to.deep.equal(expected.filter((m) => m.id !== leads[1]).concat({ kind: 'lead', id: leads[19]! }));
    });
  });

  describe('POST /api/public/forms/:formKey/leads', () => {
    it('takes the same person twice (202 both times), and each lead lists the other', async () => {
      const { formKey } = (await s.send('POST', '/api/admin/forms', { name: 'Contact us' })).body;
      const visitor = { ...person('katherine@dup.example'), utm_campaign: 'twice', website: '' };
      for (const body of [visitor, { ...visitor, email: 'Katherine@DUP.example' }]) {
        expect((await call(s.server(), 'POST', `/api/public/forms/${formKey}/leads`, { body })).status).to.equal(202);
      }
      await s.reachedHead();
      const { data } = (await s.get('/sales/leads?filter=utmCampaign[eq]:"twice"')).body;
      expect(data).to.have.length(2);
      const [one, other] = data as Array<{ id: string; possibleDuplicates: unknown }>;
      expect([one!.possibleDuplicates, other!.possibleDuplicates]).to.deep.equal([[{ kind: 'lead', id: other!.id }], [{ kind: 'lead', id: one!.id }]]);
    });
  });

  describe('GET /sales/leads?filter=duplicate[eq]:true', () => {
    it('lists the leads with possible duplicates (false: the others), as the list answers them', async () => {
      await contact('listed@dup.example');
      const flagged = await lead('listed@dup.example', { source: 'dup-filter' });
      const clear = await lead('unlisted@dup.example', { source: 'dup-filter' });
      const list = async (flag: boolean) =>
        (await s.get(`/sales/leads?filter=${encodeURIComponent(`and(source[eq]:"dup-filter",duplicate[eq]:${flag})`)}`)).body.data;
      const [withDuplicates] = await list(true);
      expect([withDuplicates.id, withDuplicates.duplicate, withDuplicates.possibleDuplicates.length]).to.deep.equal([flagged, true, 1]);
      expect((await list(false)).map((l: { id: string }) => l.id)).to.deep.equal([clear]);
    });
  });

  describe('after erasure', () => {
    it("the erased person matches no one: the lists naming them drop them, their own is empty, their rows keep no hash", async () => {
      const grace = await contact('erased.contact@dup.example');
      const other = await lead('erased.contact@dup.example');
      const [erasedLead, survivingLead] = [await lead('erased.lead@dup.example'), await lead('erased.lead@dup.example')];
      const subjects = [(await s.get(`/sales/contacts/${grace}`)).body.subjectId, (await read(erasedLead)).subjectId];
      for (const subjectId of subjects) {
        expect((await s.send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'art. 17' })).status).to.be.lessThan(300);
      }
      await s.reachedHead();
      expect(await read(other)).to.deep.include({ possibleDuplicates: [], duplicate: false });
      expect(await read(survivingLead)).to.deep.include({ possibleDuplicates: [], duplicate: false });
      expect(await read(erasedLead)).to.deep.include({ possibleDuplicates: [], duplicate: false, email: null });
      const erasedRows = emailRows().filter((row) => subjects.includes(row.subject_id));
      expect(erasedRows.map((row) => row.hash)).to.deep.equal([null, null]);
      expect(await duplicatesOf(await lead('erased.contact@dup.example'))).to.deep.equal([{ kind: 'lead', id: other }]);
    });

    it('holds no email in plaintext in its rows, nor its lookup hashes in the event log', async () => {
      const id = await lead('plain.text@dup.example');
      await read(id);
      const rows = emailRows();
      expect(JSON.stringify(rows)).not.to.match(/@/);
      const { hash } = rows.find((row) => row.id === id)! as { hash: string };
      const dir = s.server().config.dataDir;
      for (const file of readdirSync(dir).filter((f) => f.startsWith('events.db'))) {
        expect(readFileSync(join(dir, file)).includes(Buffer.from(hash))).to.equal(false);
      }
    });

    it('rebuilds to the same rows and lists, an erased person\'s included', async () => {
      const id = await lead('rebuilt@dup.example');
      await contact('rebuilt@dup.example');
      const erased = await lead('rebuilt@dup.example');
      await s.send('POST', `/api/compliance/subjects/${(await read(erased)).subjectId}/erase`, { reason: 'art. 17' });
      await s.reachedHead();
      const before = [emailRows(), await read(id)];
      const ticket = await s.server().projections.rebuild('sales.lead');
      expect(await ticket.done).to.equal('swapped');
      expect([emailRows(), await read(id)]).to.deep.equal(before);
    });
  });
});
