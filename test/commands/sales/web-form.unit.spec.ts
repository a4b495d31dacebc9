import { webFormDecider } from '../../../src/commands/sales/web-form.js';
import { specFor } from '../../support/decider.js';

const { given } = specFor(webFormDecider);
const created = { type: 'WebFormCreated' as const, data: { name: 'Contact us', ownerId: 'u1' } };
const disabled = { type: 'WebFormDisabled' as const, data: {} };
const enabled = { type: 'WebFormEnabled' as const, data: {} };

describe('WebForm decider', () => {
  describe('DisableWebForm', () => {
    it('disables an enabled form once', () => {
      given(created).when({ type: 'DisableWebForm' }).then(disabled);
      given(created, disabled).when({ type: 'DisableWebForm' }).then();
      given(created, disabled, enabled).when({ type: 'DisableWebForm' }).then(disabled);
    });
  });

  describe('EnableWebForm', () => {
    it('enables a disabled form again, and appends nothing for an enabled one', () => {
      given(created, disabled).when({ type: 'EnableWebForm' }).then(enabled);
      given(created).when({ type: 'EnableWebForm' }).then();
      given(created, disabled, enabled).when({ type: 'EnableWebForm' }).then();
    });

    it('refuses a form that does not exist (404 not_found)', () => {
      given().when({ type: 'EnableWebForm' }).thenFails('not_found');
    });
  });
});
