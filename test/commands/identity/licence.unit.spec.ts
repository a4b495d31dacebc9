import { licenceDecider } from '../../../src/commands/identity/licence.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(licenceDecider);
const at = '2026-11-23T10:00:00.000Z';

describe('the module licence decider', () => {
  it('starts with every module and records the merged set when it changes', () => {
    given().when({ type: 'LicenseModules', modules: { marketing: false }, at })
      .then({ type: 'ModulesLicensed', data: { modules: { sales: true, marketing: false, support: true }, licensedAt: at } });
  });

  it('records nothing when no module changes', () => given().when({ type: 'LicenseModules', modules: { sales: true }, at }).then());
});
