import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { call, tokenFor } from '../../support/http.js';
import { mayProcess } from '../../../src/queries/compliance/consent.js';
import { complianceSession } from './session.js';

describe('/api/compliance/subjects/:subjectId/consents, …/restriction and …/processing', () => {
  const session = complianceSession();
  let subjectId: string;
  beforeEach(async () => {
    subjectId = (await session.person({ firstName: 'Ada', lastName: 'Quill', email: `ada.q+${randomUUID()}@example.org` })).subjectId;
  });
  const path = (part: string) => `/api/compliance/subjects/${subjectId}/${part}`;
  const consent = (purpose: string, status: string, source = 'web_form') => call(session.server(), 'POST', path('consents'), { token: session.admin(), body: { purpose, status, source } });
  const restrict = (body: unknown) => call(session.server(), 'POST', path('restriction'), { token: session.admin(), body });
  const processing = async (purpose: string) => (await call(session.server(), 'GET', `${path('processing')}?purpose=${purpose}`, { token: session.admin() })).body;
  const may = (purpose: 'email_marketing' | 'calls') => mayProcess(session.server(), 'acme', subjectId, purpose);

  it('records consents per purpose with their source and time; GET lists them', async () => {
    const granted = await consent('email_marketing', 'granted');
    expect(granted.status).to.equal(200);
    expect(granted.body).to.include({ revision: 0, subjectId });
    await consent('calls', 'withdrawn', 'phone');
    const view = (await call(session.server(), 'GET', path('consents'), { token: session.admin() })).body;
    expect(view).to.deep.include({ subjectId, erased: false, restriction: { restricted: false } });
    expect(view.consents.map((c: { purpose: string; status: string; source: string }) => [c.purpose, c.status, c.source])).to.deep.equal([
      ['email_marketing', 'granted', 'web_form'], ['calls', 'withdrawn', 'phone'],
    ]);
    expect(view.consents[0].at).to.match(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('mayProcess is false without consent, true once granted, false again once withdrawn', async () => {
    expect(await may('email_marketing')).to.equal(false);
    expect(await processing('email_marketing')).to.deep.include({ allowed: false, refusals: ['no_consent'] });
    await consent('email_marketing', 'granted');
    expect(await may('email_marketing')).to.equal(true);
    expect(await may('calls')).to.equal(false);
    await consent('email_marketing', 'withdrawn', 'unsubscribe_link');
    expect(await processing('email_marketing')).to.deep.include({ allowed: false, refusals: ['consent_withdrawn'] });
  });

  it('a restriction of processing refuses every purpose until it is lifted', async () => {
    await consent('email_marketing', 'granted');
    const restricted = await restrict({ restricted: true, ground: 'accuracy_contested' });
    expect(restricted.body.restriction).to.include({ restricted: true, ground: 'accuracy_contested' });
    expect(await processing('email_marketing')).to.deep.include({ allowed: false, refusals: ['restricted'] });
    expect((await call(session.server(), 'GET', path('restriction'), { token: session.admin() })).body).to.include({ restricted: true, ground: 'accuracy_contested' });
    await restrict({ restricted: false });
    expect(await may('email_marketing')).to.equal(true);
  });

  it('after erasure mayProcess is false, a new consent is refused (409) and a withdrawal is still recorded', async () => {
    await consent('email_marketing', 'granted');
    await call(session.server(), 'POST', path('erase'), { token: session.admin(), body: { reason: 'GDPR art. 17' } });
    expect(await processing('email_marketing')).to.deep.include({ allowed: false, refusals: ['erased'] });
    const refused = await consent('calls', 'granted');
    expect([refused.status, refused.body.code]).to.deep.equal([409, 'subject_erased']);
    expect((await consent('email_marketing', 'withdrawn')).status).to.equal(200);
  });

  it('records nothing new when nothing changes (same revision)', async () => {
    const first = await consent('profiling', 'granted');
    expect((await consent('profiling', 'granted')).body.revision).to.equal(first.body.revision);
  });

  it('refuses an unknown purpose or free-text source (400), an unknown subject (404), roles without the permission (403)', async () => {
    expect((await consent('astrology', 'granted')).status).to.equal(400);
    expect((await consent('calls', 'granted', 'Told me on 5th Ave')).status).to.equal(400);
    expect((await restrict({ restricted: true })).status).to.equal(400);
    expect((await call(session.server(), 'GET', `/api/compliance/subjects/${randomUUID()}/consents`, { token: session.admin() })).status).to.equal(404);
    expect((await call(session.server(), 'GET', `${path('processing')}?purpose=nope`, { token: session.admin() })).status).to.equal(400);
    const rep = await tokenFor(session.server(), { tenantId: 'acme', actorId: 'rep', roles: ['sales_rep'] });
    expect((await call(session.server(), 'POST', path('consents'), { token: rep, body: { purpose: 'calls', status: 'granted', source: 'x' } })).status).to.equal(403);
    const other = await tokenFor(session.server(), { tenantId: 'globex', actorId: 'dpo-2', roles: ['tenant_admin'] });
    expect((await call(session.server(), 'GET', path('consents'), { token: other })).status).to.equal(404);
  });
});
