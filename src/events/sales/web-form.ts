/**
 * Web forms (Sales): a tenant admin creates a form for the public lead-capture endpoint and may
 * disable it and enable it again. The form's id is the random part of its public key (`<tenant>.<id>`), so a public
 * request names its tenant's stream without any lookup; an unknown or disabled key is a 404.
 */
import type { DomainEvent } from '../../commands/decider.js';

export const WEB_FORM_TYPE = 'sales.webForm';
export const WEB_FORM_CREATED = 'WebFormCreated';
export const WEB_FORM_DISABLED = 'WebFormDisabled';
export const WEB_FORM_ENABLED = 'WebFormEnabled';

export type WebFormEvent =
  | DomainEvent<typeof WEB_FORM_CREATED, { name: string; ownerId: string }>
  | DomainEvent<typeof WEB_FORM_DISABLED, Record<string, never>>
  | DomainEvent<typeof WEB_FORM_ENABLED, Record<string, never>>;

export type WebFormState =
  | { status: 'none' }
  | { status: 'enabled'; name: string; ownerId: string }
  | { status: 'disabled'; name: string; ownerId: string };
