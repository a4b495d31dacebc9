import { subjectDecider } from '../../../src/commands/compliance/subject.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(subjectDecider);
const erase = { type: 'EraseSubject' as const, subjectId: 's-1', reason: 'GDPR art. 17 request #42', erasedBy: 'dpo-1', at: '2026-11-23T10:00:00.000Z' };
const erased = { type: 'PersonalDataErased' as const, data: { subjectId: 's-1', reason: erase.reason, erasedBy: 'dpo-1', erasedAt: erase.at } };

describe('the data subject decider', () => {
  it('records PersonalDataErased with who, when and why', () => {
    given().when(erase).then(erased);
  });

  it('records an erasure once: erasing again decides nothing', () => {
    given(erased).when({ ...erase, reason: 'again', at: '2026-12-01T00:00:00.000Z' }).then();
  });

  it('refuses an erasure without a reason (422 reason_required)', () => {
    given().when({ ...erase, reason: '  ' }).thenFails('reason_required');
  });
});

describe('the data subject decider: CertifyErasure', () => {
  const certificate = {
    certificateId: 'c-1', tenantId: 'acme', subjectId: 's-1', erasedAt: erase.at, erasedBy: 'dpo-1', reason: erase.reason,
    certifiedAt: erase.at, records: [{ recordType: 'sales.contact', id: 'r-1' }], readModels: { scrubbed: ['sales.contact'], pending: [] }, jobsRemoved: 0,
  };
  const certify = { type: 'CertifyErasure' as const, certificate };

  it('records ErasureCertified once the subject is erased, and only once', () => {
    given(erased).when(certify).then({ type: 'ErasureCertified', data: certificate });
    given(erased, { type: 'ErasureCertified', data: certificate }).when(certify).then();
  });

  it('renews a kept certificate when a later erasure covers subjects it did not (contacts merged), and only then', () => {
    const renewed = { ...certificate, certificateId: 'c-2', subjects: ['s-1', 's-2'] };
    given(erased, { type: 'ErasureCertified', data: certificate }).when({ type: 'CertifyErasure', certificate: renewed }).then({ type: 'ErasureCertified', data: renewed });
    const same = { ...renewed, certificateId: 'c-3', subjects: ['s-2', 's-1'] };
    given(erased, { type: 'ErasureCertified', data: renewed }).when({ type: 'CertifyErasure', certificate: same }).then();
    given(erased, { type: 'ErasureCertified', data: renewed }).when(certify).then();
  });

  it('refuses to certify a subject that was not erased (422 not_erased)', () => {
    given().when(certify).thenFails('not_erased');
  });
});
