/**
 * A custom role of one tenant, as the stream `<tenant>/admin.role/<name>`: permissions from the
 * catalogue, each granted on all the tenant's records or on the actor's own.
 */
import { unreachable } from '../../commands/decider.js';

export const ROLE_AGGREGATE = 'admin.role';

export type RoleGrantData = { permission: string; scope: 'all' | 'own' };

export type RoleEvent =
  | { type: 'RoleDefined'; data: { name: string; description: string; grants: RoleGrantData[]; definedAt: string } }
  | { type: 'RoleRedefined'; data: { description: string; grants: RoleGrantData[]; redefinedAt: string } }
  | { type: 'RoleDeleted'; data: { deletedAt: string } };

type Definition = { name: string; description: string; grants: RoleGrantData[] };

export type RoleState = { status: 'none' } | ({ status: 'defined' } & Definition) | ({ status: 'deleted' } & Definition);

export const initialRoleState = (): RoleState => ({ status: 'none' });

export const evolveRole = (state: RoleState, event: RoleEvent): RoleState => {
  switch (event.type) {
    case 'RoleDefined': {
      const { name, description, grants } = event.data;
      return { status: 'defined', name, description, grants };
    }
    case 'RoleRedefined':
      return state.status === 'none' ? state : { ...state, description: event.data.description, grants: event.data.grants };
    case 'RoleDeleted':
      return state.status === 'none' ? state : { ...state, status: 'deleted' };
    default:
      return unreachable(event);
  }
};
