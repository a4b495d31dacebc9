import { consentDecider } from '../../../src/commands/compliance/consent.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(consentDecider);
const at = '2026-11-23T10:00:00.000Z';
const grant = { type: 'RecordConsent' as const, subjectId: 's-1', purpose: 'calls' as const, granted: true, source: 'phone', at, subjectErased: false };
const granted = { type: 'ConsentGranted' as const, data: { subjectId: 's-1', purpose: 'calls' as const, source: 'phone', at } };
const restricted = { type: 'ProcessingRestricted' as const, data: { subjectId: 's-1', ground: 'legal_claims' as const, at } };

describe('the consent decider', () => {
  it('records a grant, then a withdrawal, and nothing when nothing changes', () => {
    given().when(grant).then(granted);
    given(granted).when(grant).then();
    given(granted).when({ ...grant, granted: false }).then({ type: 'ConsentWithdrawn', data: granted.data });
  });

  it('refuses a grant for an erased subject (409 subject_erased) but records a withdrawal', () => {
    given().when({ ...grant, subjectErased: true }).thenFails('subject_erased');
    given(granted).when({ ...grant, granted: false, subjectErased: true }).then({ type: 'ConsentWithdrawn', data: granted.data });
  });

  it('restricts processing on a ground and lifts it; repeating either records nothing', () => {
    given().when({ type: 'RestrictProcessing', subjectId: 's-1', ground: 'legal_claims', at }).then(restricted);
    given(restricted).when({ type: 'RestrictProcessing', subjectId: 's-1', ground: 'legal_claims', at }).then();
    given(restricted).when({ type: 'LiftRestriction', subjectId: 's-1', at }).then({ type: 'ProcessingRestrictionLifted', data: { subjectId: 's-1', at } });
    given().when({ type: 'LiftRestriction', subjectId: 's-1', at }).then();
  });
});
