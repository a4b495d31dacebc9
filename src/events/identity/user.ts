/**
 * A user of one tenant, as the stream `<tenant>/admin.user/<userId>`. The email and name, and the
 * reason a user was deactivated (`reason`: it may say why about the person), are personal data,
 * encrypted under the user's subject key; the password hash never enters the log
 * (it lives in `identity.db` beside the login lookup).
 */
import { unreachable } from '../../commands/decider.js';
import { encryptedFieldsOf, type DeclaredClassification } from '../classification.js';
import type { PersonalDataSpec, PersonalDataSpecs } from '../personal-data/protect.js';

export const USER_AGGREGATE = 'admin.user';

export type UserEvent =
  | { type: 'UserCreated'; data: { userId: string; subjectId: string; email: string; name: string; roles: string[]; createdAt: string } }
  | { type: 'UserDeactivated'; data: { subjectId: string; reason: string; deactivatedAt: string } }
  | { type: 'UserReactivated'; data: { reactivatedAt: string } }
  | { type: 'UserInvited'; data: { userId: string; subjectId: string; email: string; name: string; roles: string[]; invitedAt: string; expiresAt: string } }
  | { type: 'InvitationAccepted'; data: { acceptedAt: string } }
  | { type: 'UserRolesAssigned'; data: { roles: string[]; assignedAt: string } }
  | { type: 'PasswordResetIssued'; data: { issuedAt: string; expiresAt: string } }
  | { type: 'PasswordChanged'; data: { changedAt: string } };

type Profile = { userId: string; subjectId: string; roles: string[] };

export type UserState =
  | { status: 'none' }
  | ({ status: 'invited' } & Profile)
  | ({ status: 'active' } & Profile)
  | ({ status: 'deactivated' } & Profile);

export const initialUserState = (): UserState => ({ status: 'none' });

export const evolveUser = (state: UserState, event: UserEvent): UserState => {
  switch (event.type) {
    case 'UserCreated': {
      const { userId, subjectId, roles } = event.data;
      return { status: 'active', userId, subjectId, roles };
    }
    case 'UserInvited': {
      const { userId, subjectId, roles } = event.data;
      return { status: 'invited', userId, subjectId, roles };
    }
    case 'InvitationAccepted':
      return state.status === 'none' ? state : { ...state, status: 'active' };
    case 'UserRolesAssigned':
      return state.status === 'none' ? state : { ...state, roles: event.data.roles };
    case 'PasswordResetIssued':
    case 'PasswordChanged':
      return state;
    case 'UserDeactivated':
      return state.status === 'none' ? state : { ...state, status: 'deactivated' };
    case 'UserReactivated':
      return state.status === 'none' ? state : { ...state, status: 'active' };
    default:
      return unreachable(event);
  }
};

const DEACTIVATION_REASON: PersonalDataSpec = { subjectField: 'subjectId', fields: ['reason'] };

export const USER_PERSONAL_DATA: Readonly<Record<string, PersonalDataSpecs>> = {
  UserCreated: { subjectField: 'subjectId', fields: ['email', 'name'] },
  UserInvited: { subjectField: 'subjectId', fields: ['email', 'name'] },
  UserDeactivated: DEACTIVATION_REASON,
};

/** Deactivation reasons were stored in plaintext, without the user's subject id, before they were personal. */
export const USER_LEGACY_PLAINTEXT: ReadonlyArray<[string, PersonalDataSpec]> = [['UserDeactivated', DEACTIVATION_REASON]];

/**
 * A user's fields as an admin reads them (`reason`: why they were deactivated, in their history), and
 * the password hash kept in `identity.db` (never logged nor answered).
 */
export const USER_CLASSIFICATION: DeclaredClassification = {
  recordType: USER_AGGREGATE,
  classes: {
    id: 'internal', status: 'internal', revision: 'internal', createdAt: 'internal', updatedAt: 'internal',
    email: 'personal', name: 'personal', roles: 'internal', passwordHash: 'confidential', reason: 'personal',
  },
  encrypted: encryptedFieldsOf(USER_PERSONAL_DATA),
};
