import { expect } from 'chai';
import { salesSession } from './session.js';

const MISSING = '00000000-0000-0000-0000-000000000000';
const YEAR = new Date().getUTCFullYear();
const LINES = [{ description: 'Training day', quantity: 1, unitPrice: { amount: 45_050, currency: 'EUR' }, taxRateId: 'standard' }];
const codesOf = (answers: { status: number; body: { code?: string } }[]) => answers.map((r) => [r.status, r.body.code]);
const notFound = (n: number) => Array(n).fill([422, 'linked_record_not_found']);

describe('Links between sales records (accountId, contactId, opportunityId)', () => {
  const s = salesSession();
  const { send, get, head, globex } = s;
  let people = 0;
  const person = (extra: object = {}) => ({ firstName: 'Ada', lastName: 'Lovelace', email: `ada.links.${(people += 1)}@example.org`, ...extra });
  const idOf = async (path: string, body: object, token?: string): Promise<string> => (await send('POST', path, body, token)).body.id;
  const ours = { account: '', contact: '', opportunity: '', survivor: '', loser: '' };
  const theirs = { account: '', contact: '', opportunity: '' };

  before(async () => {
    ours.account = await idOf('/sales/accounts', { name: 'Initech' });
    ours.contact = await idOf('/sales/contacts', person());
    ours.opportunity = await idOf('/sales/opportunities', { name: 'Deal' });
    [ours.survivor, ours.loser] = [await idOf('/sales/contacts', person()), await idOf('/sales/contacts', person())];
    // A history before the merge: the check finds the merge at the end of the stream, not at its start.
    for (const city of ['Rome', 'Oslo', 'Lima', 'Kyiv']) expect((await send('PATCH', `/sales/contacts/${ours.loser}`, { city })).status).to.equal(200);
    expect((await send('POST', `/sales/contacts/${ours.survivor}/merge`, { loserId: ours.loser })).status).to.equal(200);
    theirs.account = await idOf('/sales/accounts', { name: 'Globex' }, globex());
    theirs.contact = await idOf('/sales/contacts', person(), globex());
    theirs.opportunity = await idOf('/sales/opportunities', { name: 'Their deal' }, globex());
  });

  /** Sends each body; every answer must be a refusal that appended nothing. */
  const refused = async (method: string, path: string, bodies: object[], token?: string) => {
    const before = await head();
    const answers = [];
    for (const body of bodies) answers.push(await send(method, path, body, token));
    expect(await head()).to.equal(before);
    return answers;
  };

  describe('POST /sales/contacts', () => {
    it('refuses a missing and another tenant\'s account alike (422 linked_record_not_found), appending nothing; an account of the tenant is a 201', async () => {
      const answers = await refused('POST', '/sales/contacts', [person({ accountId: MISSING }), person({ accountId: theirs.account })]);
      expect(codesOf(answers)).to.deep.equal(notFound(2));
      expect(answers[0]!.body).to.include({ field: 'accountId', id: MISSING });
      const res = await send('POST', '/sales/contacts', person({ accountId: ours.account }));
      expect(res.status).to.equal(201);
      expect((await get(`/sales/contacts/${res.body.id}`)).body.accountId).to.equal(ours.account);
    });
  });

  describe('PATCH /sales/contacts/:id', () => {
    it('refuses an accountId naming no account of the tenant (422), appending nothing; an account of its own is a 200', async () => {
      const answers = await refused('PATCH', `/sales/contacts/${ours.contact}`, [{ accountId: MISSING }, { accountId: theirs.account }]);
      expect(codesOf(answers)).to.deep.equal(notFound(2));
      expect((await send('PATCH', `/sales/contacts/${ours.contact}`, { accountId: ours.account })).status).to.equal(200);
    });
  });

  describe('POST /sales/imports/contacts', () => {
    it('reports a row whose accountId names no account of the tenant (linked_record_not_found), creating the others', async () => {
      const csv = `firstName,lastName,email,accountId\nAda,One,ada.import.1@example.org,${MISSING}\nAda,Two,ada.import.2@example.org,${ours.account}\n`;
      const headers = { Authorization: `Bearer ${s.admin()}`, 'Content-Type': 'text/csv' };
      const res = await fetch(`${s.server().url}/sales/imports/contacts`, { method: 'POST', body: csv, headers });
      const summary = (await res.json()) as { created: number; failed: number; errors: unknown[] };
      expect([res.status, summary.created, summary.failed]).to.deep.equal([200, 1, 1]);
      expect(summary.errors).to.deep.equal([{ row: 2, code: 'linked_record_not_found', detail: 'accountId names no record of this tenant' }]);
    });
  });

  describe('POST /sales/opportunities', () => {
    it('refuses a missing and another tenant\'s account or contact alike (422 linked_record_not_found), appending nothing; the tenant\'s own are a 201', async () => {
      const answers = await refused('POST', '/sales/opportunities', [
        { name: 'ghost', accountId: MISSING }, { name: 'ghost', contactId: MISSING },
        { name: 'ghost', accountId: theirs.account }, { name: 'ghost', contactId: theirs.contact },
      ]);
      expect(codesOf(answers)).to.deep.equal(notFound(4));
      expect(answers[1]!.body).to.include({ field: 'contactId', id: MISSING });
      const res = await send('POST', '/sales/opportunities', { name: 'Linked', accountId: ours.account, contactId: ours.contact });
      expect(res.status).to.equal(201);
      expect((await get(`/sales/opportunities/${res.body.id}`)).body).to.include({ accountId: ours.account, contactId: ours.contact });
    });

    it('refuses a contact merged into another (422 linked_record_merged, naming mergedInto), appending nothing', async () => {
      const [res] = await refused('POST', '/sales/opportunities', [{ name: 'Merged', contactId: ours.loser }]);
      expect([res!.status, res!.body.code]).to.deep.equal([422, 'linked_record_merged']);
      expect(res!.body).to.include({ field: 'contactId', id: ours.loser, mergedInto: ours.survivor });
      expect((await send('POST', '/sales/opportunities', { name: 'Merged', contactId: ours.survivor })).status).to.equal(201);
    });
  });

  describe('PATCH /sales/opportunities/:id', () => {
    it('refuses a missing account, another tenant\'s contact (422 linked_record_not_found) and a merged contact (422 linked_record_merged), appending nothing', async () => {
      const path = `/sales/opportunities/${ours.opportunity}`;
      const answers = await refused('PATCH', path, [{ accountId: MISSING }, { contactId: theirs.contact }, { contactId: ours.loser }]);
      expect(codesOf(answers)).to.deep.equal([...notFound(2), [422, 'linked_record_merged']]);
      expect(answers[2]!.body.mergedInto).to.equal(ours.survivor);
      expect((await send('PATCH', path, { accountId: ours.account, contactId: ours.survivor })).status).to.equal(200);
      expect((await send('PATCH', path, { name: 'Renamed', accountId: ours.account })).status).to.equal(200);
    });
  });

  describe('POST /sales/quotes', () => {
    const quote = (body: object) => ({ title: 'Offer', validUntil: `${YEAR + 1}-06-30`, lines: LINES, ...body });

    it('refuses a missing opportunity or account and another tenant\'s opportunity alike (422 linked_record_not_found), appending nothing; the tenant\'s own are a 201', async () => {
      const answers = [
        ...(await refused('POST', '/sales/quotes', [quote({ opportunityId: MISSING }), quote({ accountId: MISSING })])),
        ...(await refused('POST', '/sales/quotes', [quote({ opportunityId: ours.opportunity })], globex())),
      ];
      expect(codesOf(answers)).to.deep.equal(notFound(3));
      expect(answers[2]!.body).to.include({ field: 'opportunityId', id: ours.opportunity });
      const res = await send('POST', '/sales/quotes', quote({ opportunityId: ours.opportunity, accountId: ours.account }));
      expect(res.status).to.equal(201);
      expect((await get(`/sales/quotes/${res.body.id}`)).body).to.include({ opportunityId: ours.opportunity, accountId: ours.account });
    });
  });

  describe('PATCH /sales/quotes/:id', () => {
    it('refuses an opportunity or account naming no record of the tenant (422), appending nothing; its own is a 200', async () => {
      const { id } = (await send('POST', '/sales/quotes', { title: 'Draft', validUntil: `${YEAR + 1}-06-30`, lines: LINES })).body;
      const answers = await refused('PATCH', `/sales/quotes/${id}`, [{ opportunityId: MISSING }, { opportunityId: theirs.opportunity }, { accountId: MISSING }]);
      expect(codesOf(answers)).to.deep.equal(notFound(3));
      expect((await send('PATCH', `/sales/quotes/${id}`, { opportunityId: ours.opportunity })).status).to.equal(200);
    });
  });

  describe('POST /sales/activities', () => {
    it('refuses a link to a contact merged into another (422 linked_record_merged, naming mergedInto), appending nothing', async () => {
      const task = (id: string) => ({ kind: 'task', subject: 'Call back', linkedTo: { type: 'contact', id } });
      const [res] = await refused('POST', '/sales/activities', [task(ours.loser)]);
      expect([res!.status, res!.body.code, res!.body.mergedInto]).to.deep.equal([422, 'linked_record_merged', ours.survivor]);
      expect((await send('POST', '/sales/activities', task(ours.survivor))).status).to.equal(201);
    });
  });
});
