import { consentDecider } from '../../../src/commands/compliance/consent.js';
import type { ConsentPurpose, Consents } from '../../../src/events/compliance/consent.js';
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

  describe('AdoptConsents (a merged duplicate\'s consents): the most restrictive wins per purpose', () => {
    const later = '2026-11-24T10:00:00.000Z';
    const adopt = (from: Consents, erased: { fromErased?: boolean; subjectErased?: boolean } = {}) =>
      ({ type: 'AdoptConsents' as const, subjectId: 's-1', from, fromRestriction: null, fromErased: false, subjectErased: false, ...erased });
    const event = (type: 'ConsentGranted' | 'ConsentWithdrawn', purpose: ConsentPurpose, source: string, when = at) =>
      ({ type, data: { subjectId: 's-1', purpose, source, at: when } });

    it('adopts a consent the subject lacks, with its source and time', () => {
      given().when(adopt({ calls: { status: 'withdrawn', source: 'phone', at }, profiling: { status: 'granted', source: 'web_form', at } }))
        .then(event('ConsentWithdrawn', 'calls', 'phone'), event('ConsentGranted', 'profiling', 'web_form'));
    });

    it('a withdrawal beats a grant whatever their times; a grant never beats a withdrawal', () => {
      given(event('ConsentGranted', 'calls', 'web_form', later)).when(adopt({ calls: { status: 'withdrawn', source: 'phone', at } }))
        .then(event('ConsentWithdrawn', 'calls', 'phone'));
      given(event('ConsentWithdrawn', 'calls', 'phone')).when(adopt({ calls: { status: 'granted', source: 'web_form', at: later } })).then();
    });

    it('of two alike, the newer; the same record again (a merge already done) records nothing', () => {
      given(event('ConsentGranted', 'calls', 'web_form')).when(adopt({ calls: { status: 'granted', source: 'phone', at: later } }))
        .then(event('ConsentGranted', 'calls', 'phone', later));
      given(event('ConsentGranted', 'calls', 'web_form', later)).when(adopt({ calls: { status: 'granted', source: 'phone', at } })).then();
      given(event('ConsentWithdrawn', 'calls', 'phone')).when(adopt({ calls: { status: 'withdrawn', source: 'phone', at } })).then();
    });

    it('adopts no grant when either subject is erased, its withdrawals still', () => {
      const from: Consents = { calls: { status: 'withdrawn', source: 'phone', at }, profiling: { status: 'granted', source: 'web_form', at } };
      given().when(adopt(from, { fromErased: true })).then(event('ConsentWithdrawn', 'calls', 'phone'));
      given().when(adopt(from, { subjectErased: true })).then(event('ConsentWithdrawn', 'calls', 'phone'));
    });
  });

  describe('AdoptConsents: the merged duplicate\'s restriction of processing', () => {
    const earlier = '2026-11-20T10:00:00.000Z';
    const adopt = (over: { from?: Consents; erased?: boolean } = {}) => ({
      type: 'AdoptConsents' as const, subjectId: 's-1', from: over.from ?? {},
      fromRestriction: { ground: 'accuracy_contested' as const, since: earlier }, fromErased: over.erased ?? false, subjectErased: false,
    });
    const adopted = { type: 'ProcessingRestricted' as const, data: { subjectId: 's-1', ground: 'accuracy_contested' as const, at: earlier } };

    it('restricts the subject on the duplicate\'s ground since its time, before the consents it adopts', () => {
      given().when(adopt({ from: { calls: { status: 'withdrawn', source: 'phone', at } } }))
        .then(adopted, { type: 'ConsentWithdrawn', data: { subjectId: 's-1', purpose: 'calls', source: 'phone', at } });
    });

    it('even when either is erased or the subject lifted a restriction of its own since', () => {
      given().when(adopt({ erased: true })).then(adopted);
      given(restricted, { type: 'ProcessingRestrictionLifted', data: { subjectId: 's-1', at } }).when(adopt()).then(adopted);
    });

    it('records nothing when the subject is restricted already, its own ground kept, nor when the duplicate is not', () => {
      given(restricted).when(adopt()).then();
      given(adopted).when(adopt()).then();
      given().when({ ...adopt(), fromRestriction: null }).then();
    });
  });

  it('restricts processing on a ground and lifts it; repeating either records nothing', () => {
    given().when({ type: 'RestrictProcessing', subjectId: 's-1', ground: 'legal_claims', at }).then(restricted);
    given(restricted).when({ type: 'RestrictProcessing', subjectId: 's-1', ground: 'legal_claims', at }).then();
    given(restricted).when({ type: 'LiftRestriction', subjectId: 's-1', at }).then({ type: 'ProcessingRestrictionLifted', data: { subjectId: 's-1', at } });
    given().when({ type: 'LiftRestriction', subjectId: 's-1', at }).then();
  });
});
