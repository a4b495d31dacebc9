import type { Grant } from './policy.js';

/** Who sends a request: the actor (a user or an API client), their tenant and roles. */
export type Principal = {
  actorId: string;
  tenantId: string;
  roles: readonly string[];
  /** The OAuth client the token was issued to. */
  clientId: string;
  /** The grants of the tenant's custom roles among `roles`, looked up per request (a role's change applies at once). */
  customRoles?: Readonly<Record<string, readonly Grant[]>>;
};
