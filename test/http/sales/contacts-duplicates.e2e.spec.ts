import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandIdFor, recordIdFor } from '../../../src/commands/event-ids.js';
import { handleCommand } from '../../../src/commands/handle.js';
import { contactAggregate } from '../../../src/commands/sales/contact.js';
import { tokenFor } from '../../support/http.js';
import { salesSession } from './session.js';

const person = (email: string) => ({ firstName: 'Grace', lastName: 'Hopper', email });

describe('/sales/contacts: email unique among the tenant\'s active contacts', () => {
  const s = salesSession();
  const create = (email: string, token?: string) => s.send('POST', '/sales/contacts', person(email), token);
  /** The uniqueness index holds the write that answered `position` (these specs read its table directly). */
  const indexed = (position: number) => s.server().projections.waitForPosition(BigInt(position), 5_000, ['sales.contact.unique']);

  const refusedWithNothingWritten = async (send: () => Promise<{ status: number; body: any }>, existingId: string) => {
    const before = await s.head();
    const res = await send();
    expect(res.status).to.equal(409);
    expect(res.body).to.include({ code: 'duplicate_email', existingId, field: 'email' });
    expect(await s.head()).to.equal(before);
  };

  describe('POST /sales/contacts', () => {
    it('refuses an email another active contact holds, compared normalized (409 duplicate_email naming it), writing nothing', async () => {
      const first = await create('grace@navy.example');
      expect(first.status).to.equal(201);
      await refusedWithNothingWritten(() => create('Grace@NAVY.example'), first.body.id);
    });

    it('names the other contact only to a caller who may read it: an own-scoped reader learns its id for their own, not for another\'s', async () => {
      const grants = ['sales.contacts:create', 'sales.contacts:read'].map((permission) => ({ permission, scope: 'own' }));
      expect((await s.send('POST', '/api/admin/roles', { name: 'own_contacts', grants })).status).to.equal(201);
      const reader = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'own-contacts', roles: ['own_contacts'] });
      const theirs = await create('theirs@dup.example');
      const mine = await create('mine@dup.example', reader);
      const [hidden, named] = [await create('THEIRS@dup.example', reader), await create('Mine@dup.example', reader)];
      expect([hidden.status, hidden.body.code, hidden.body.existingId]).to.deep.equal([409, 'duplicate_email', undefined]);
      expect(JSON.stringify(hidden.body)).not.to.contain(theirs.body.id);
      expect([named.status, named.body.existingId]).to.deep.equal([409, mine.body.id]);
    });

    it('keeps emails per tenant: another tenant may hold the same one', async () => {
      await create('shared@example.org');
      expect((await create('shared@example.org', s.globex())).status).to.equal(201);
    });

    it('lets exactly one of concurrent creates with one email succeed', async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, () => create('race@example.org')));
      expect(answers.map((a) => a.status).sort()).to.deep.equal([201, 409, 409, 409, 409, 409, 409, 409]);
    });

    it('does not count archived contacts', async () => {
      const first = await create('archived@example.org');
      expect((await s.send('POST', `/sales/contacts/${first.body.id}/archive`, {})).status).to.equal(200);
      expect((await create('archived@example.org')).status).to.equal(201);
    });
  });

  describe('PATCH /sales/contacts/:id', () => {
    it('refuses changing the email to one another active contact holds, and allows re-sending its own', async () => {
      const taken = await create('taken@example.org');
      const other = await create('other@example.org');
      await refusedWithNothingWritten(() => s.send('PATCH', `/sales/contacts/${other.body.id}`, { email: 'TAKEN@example.org' }), taken.body.id);
      expect((await s.send('PATCH', `/sales/contacts/${taken.body.id}`, { email: 'Taken@example.org', city: 'Oslo' })).status).to.equal(200);
    });

    it('frees the old email once changed', async () => {
      const moving = await create('old@example.org');
      expect((await s.send('PATCH', `/sales/contacts/${moving.body.id}`, { email: 'new@example.org' })).status).to.equal(200);
      expect((await create('old@example.org')).status).to.equal(201);
    });
  });

  describe('POST /sales/contacts/:id/restore', () => {
    it('refuses restoring a contact whose email an active contact took meanwhile', async () => {
      const first = await create('comeback@example.org');
      await s.send('POST', `/sales/contacts/${first.body.id}/archive`, {});
      const second = await create('comeback@example.org');
      await refusedWithNothingWritten(() => s.send('POST', `/sales/contacts/${first.body.id}/restore`, {}), second.body.id);
      await s.send('POST', `/sales/contacts/${second.body.id}/archive`, {});
      expect((await s.send('POST', `/sales/contacts/${first.body.id}/restore`, {})).status).to.equal(200);
    });
  });

  describe('the policy before the check', () => {
    it('answers an own-scoped caller who may not change the contact 403, not 409: a PATCH or restore tells them nothing of who holds an email', async () => {
      const rep = await tokenFor(s.server(), { tenantId: 'acme', actorId: 'rep-guarded', roles: ['sales_rep'] });
      const taken = await create('held@guard.example');
      const theirs = await create('theirs@guard.example');
      const archived = await create('back@guard.example');
      await s.send('POST', `/sales/contacts/${archived.body.id}/archive`, {});
      await create('back@guard.example');
      const before = await s.head();
      const patch = await s.send('PATCH', `/sales/contacts/${theirs.body.id}`, { email: 'held@guard.example' }, rep);
      const restore = await s.send('POST', `/sales/contacts/${archived.body.id}/restore`, {}, rep);
      expect([[patch.status, patch.body.code], [restore.status, restore.body.code]]).to.deep.equal([[403, 'forbidden'], [403, 'forbidden']]);
      expect(JSON.stringify([patch.body, restore.body])).not.to.contain(taken.body.id);
      expect(await s.head()).to.equal(before);
      const mine = await create('mine@guard.example', rep);
      const own = await s.send('PATCH', `/sales/contacts/${mine.body.id}`, { email: 'held@guard.example' }, rep);
      expect([own.status, own.body.code]).to.deep.equal([409, 'duplicate_email']);
    });

    it('answers a PATCH of a contact that is not there 404, whatever email it sends', async () => {
      await create('absent@guard.example');
      const res = await s.send('PATCH', '/sales/contacts/00000000-0000-0000-0000-000000000000', { email: 'absent@guard.example' });
      expect([res.status, res.body.code]).to.deep.equal([404, 'not_found']);
    });
  });

  describe('the record\'s state before the check: what its decider answers', () => {
    /** Sends `body` to `path`: a refusal with `status` and `code` that appended nothing. */
    const refused = async (method: string, path: string, body: object, [status, code]: [number, string], headers: Record<string, string> = {}) => {
      const before = await s.head();
      const res = await s.send(method, path, body, undefined, headers);
      expect([res.status, res.body.code], JSON.stringify(res.body)).to.deep.equal([status, code]);
      expect(await s.head()).to.equal(before);
    };

    it('answers a PATCH of an archived contact 409 record_archived, whatever email it sends', async () => {
      await create('held@state.example');
      const archived = await create('shelved@state.example');
      await s.send('POST', `/sales/contacts/${archived.body.id}/archive`, {});
      await refused('PATCH', `/sales/contacts/${archived.body.id}`, { email: 'held@state.example' }, [409, 'record_archived']);
    });

    it('answers a PATCH or a restore of a merged contact 409 contact_merged, whichever email another contact holds', async () => {
      const [survivor, loser] = [await create('survivor@state.example'), await create('loser@state.example')];
      expect((await s.send('POST', `/sales/contacts/${survivor.body.id}/merge`, { loserId: loser.body.id })).status).to.equal(200);
      await create('loser@state.example');
      await refused('PATCH', `/sales/contacts/${loser.body.id}`, { email: 'survivor@state.example' }, [409, 'contact_merged']);
      await refused('POST', `/sales/contacts/${loser.body.id}/restore`, {}, [409, 'contact_merged']);
    });

    it('answers a stale If-Match 412 before any email is checked', async () => {
      await create('kept@state.example');
      const other = await create('moving@state.example');
      await refused('PATCH', `/sales/contacts/${other.body.id}`, { email: 'kept@state.example' }, [412, 'precondition_failed'], { 'If-Match': '"7"' });
    });

    it('changes nothing, refusing nothing, when a restore or PATCH leaves an active contact as it is beside a duplicate stored before the rule', async () => {
      const kept = await create('twice@state.example');
      const { store, keyStore } = s.server();
      const context = { tenantId: 'acme', actorId: 'user-admin', commandId: commandIdFor('acme', 'pre-rule-duplicate'), correlationId: 'legacy', now: new Date() };
      const command = { type: 'CreateRecord' as const, fields: person('twice@state.example'), ownerId: 'user-admin', tags: [], subjectId: await keyStore.newSubjectId('acme') };
      await handleCommand({ store, keyStore }, contactAggregate, { id: recordIdFor(context.commandId), command, context });
      const before = await s.head();
      for (const [path, body] of [['/restore', {}], ['', { email: 'twice@state.example' }]] as const) {
        const res = await s.send(path ? 'POST' : 'PATCH', `/sales/contacts/${kept.body.id}${path}`, body);
        expect([res.status, res.body.revision], JSON.stringify(res.body)).to.deep.equal([200, 0]);
      }
      expect(await s.head()).to.equal(before);
    });
  });

  describe('after erasure', () => {
    it('no longer matches the erased person\'s email: their rows of the index are deleted', async () => {
      const first = await create('erase.me@example.org');
      const { subjectId } = (await s.get(`/sales/contacts/${first.body.id}`)).body;
      const erased = await s.send('POST', `/api/compliance/subjects/${subjectId}/erase`, { reason: 'art. 17' });
      expect(erased.status).to.be.lessThan(300);
      expect((await create('erase.me@example.org')).status).to.equal(201);
      const db = s.server().readDb.db;
      const table = s.server().projections.physicalTable('sales.contact.unique', 'sales_contact_unique');
      expect(db.prepare(`SELECT count(*) AS n FROM "${table}" WHERE subject_id = ?`).get(subjectId)).to.deep.equal({ n: 0 });
    });

    it('rebuilds the index to the same rows: still refusing held emails, still without the erased person', async () => {
      const held = await create('held@example.org');
      await indexed(held.body.position);
      const table = () => s.server().projections.physicalTable('sales.contact.unique', 'sales_contact_unique');
      const rows = () => s.server().readDb.db.prepare(`SELECT id, field, hash, subject_id, active FROM "${table()}" ORDER BY id`).all();
      const before = rows();
      const ticket = await s.server().projections.rebuild('sales.contact.unique');
      expect(await ticket.done).to.equal('swapped');
      expect(rows()).to.deep.equal(before);
      await refusedWithNothingWritten(() => create('held@example.org'), held.body.id);
    });

    it('never puts the lookup hash in the event log', async () => {
      const { body } = await create('hash.check@example.org');
      await indexed(body.position);
      const table = s.server().projections.physicalTable('sales.contact.unique', 'sales_contact_unique');
      const { hash } = s.server().readDb.db.prepare(`SELECT hash FROM "${table}" WHERE id = ?`).get(body.id) as { hash: string };
      const dir = s.server().config.dataDir;
      const logFiles = readdirSync(dir).filter((f) => f.startsWith('events.db'));
      for (const file of logFiles) expect(readFileSync(join(dir, file)).includes(Buffer.from(hash))).to.equal(false);
    });
  });
});
