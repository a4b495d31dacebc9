/** The WebForm aggregate: created once (named, owned by its creator), then disabled and enabled again at will. */
import { ConflictError, NotFoundError } from '../../errors.js';
import { WEB_FORM_CREATED, WEB_FORM_DISABLED, WEB_FORM_ENABLED, WEB_FORM_TYPE, type WebFormEvent, type WebFormState } from '../../events/sales/web-form.js';
import { unreachable, type Decider } from '../decider.js';
import type { Aggregate, CommandDeps } from '../handle.js';
import { streamState } from '../../events/compliance/stream-state.js';

export type WebFormCommand =
  | { type: 'CreateWebForm'; name: string; ownerId: string }
  | { type: 'DisableWebForm' }
  | { type: 'EnableWebForm' };

const evolve = (state: WebFormState, event: WebFormEvent): WebFormState => {
  switch (event.type) {
    case WEB_FORM_CREATED:
      return { status: 'enabled', name: event.data.name, ownerId: event.data.ownerId };
    case WEB_FORM_DISABLED:
      return state.status === 'none' ? state : { ...state, status: 'disabled' };
    case WEB_FORM_ENABLED:
      return state.status === 'none' ? state : { ...state, status: 'enabled' };
    default:
      return unreachable(event);
  }
};

const decide = (command: WebFormCommand, state: WebFormState): WebFormEvent[] => {
  switch (command.type) {
    case 'CreateWebForm':
      if (state.status !== 'none') throw new ConflictError('already_exists', 'A form with this key exists');
      return [{ type: WEB_FORM_CREATED, data: { name: command.name, ownerId: command.ownerId } }];
    case 'DisableWebForm':
      if (state.status === 'none') throw new NotFoundError('No such form');
      return state.status === 'disabled' ? [] : [{ type: WEB_FORM_DISABLED, data: {} }];
    case 'EnableWebForm':
      if (state.status === 'none') throw new NotFoundError('No such form');
      return state.status === 'enabled' ? [] : [{ type: WEB_FORM_ENABLED, data: {} }];
    default:
      return unreachable(command);
  }
};

export const webFormDecider: Decider<WebFormCommand, WebFormEvent, WebFormState> = {
  initialState: () => ({ status: 'none' }),
  evolve,
  decide,
};

export const webFormAggregate: Aggregate<WebFormCommand, WebFormEvent, WebFormState> = { type: WEB_FORM_TYPE, decider: webFormDecider };

const FORM_KEY = /^([a-z0-9][a-z0-9_-]{0,62})\.([0-9a-f-]{36})$/;

/** A form key's tenant and form id (`<tenant>.<uuid>`); anything else names no form (404). */
export const formKeyParts = (formKey: string): { tenantId: string; formId: string } => {
  const [, tenantId, formId] = FORM_KEY.exec(formKey) ?? [];
  if (!tenantId || !formId) throw new NotFoundError('No such form');
  return { tenantId, formId };
};

/** The state of the form `formId` of a tenant, from its stream. */
export const webFormStateOf = (deps: Pick<CommandDeps, 'store'>, tenantId: string, formId: string): Promise<WebFormState> =>
  streamState(deps.store, tenantId, formId, { type: webFormAggregate.type, ...webFormDecider });
