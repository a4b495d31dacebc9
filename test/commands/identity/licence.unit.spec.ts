import { licenceDecider } from '../../../src/commands/identity/licence.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(licenceDecider);
const at = '2026-11-23T10:00:00.000Z';

describe('the module licence decider', () => {
  it('starts with every module and records the merged set when it changes', () => {
    given().when({ type: 'LicenseModules', modules: { marketing: false }, at })
      .then({ type: 'ModulesLicensed', data: { modules: { sales: true, marketing: false, support: true }, licensedAt: at } });
  });

  const all = { sales: true, marketing: true, support: true };
  it('records the first licence even when it keeps the defaults (so its answer has a revision)', () =>
    given().when({ type: 'LicenseModules', modules: { sales: true }, at }).then({ type: 'ModulesLicensed', data: { modules: all, licensedAt: at } }));

  it('records nothing when no module changes', () =>
    given({ type: 'ModulesLicensed', data: { modules: all, licensedAt: at } }).when({ type: 'LicenseModules', modules: { sales: true }, at }).then());
});
