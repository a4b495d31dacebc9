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
