/** Who sends a request: the actor (a user or an API client), their tenant and roles. */
export type Principal = {
  actorId: string;
  tenantId: string;
  roles: readonly string[];
  /** The OAuth client the token was issued to. */
  clientId: string;
};
