/**
 * The modules an organization is licensed for, as the stream `platform/admin.licence/<slug>`.
 * Without events every module is enabled (new organizations get them all).
 */
import { unreachable } from '../../commands/decider.js';

export const LICENCE_AGGREGATE = 'admin.licence';

export type LicensedModules = { sales: boolean; marketing: boolean; support: boolean };

export type LicenceEvent = { type: 'ModulesLicensed'; data: { modules: LicensedModules; licensedAt: string } };

export type LicenceState = { status: 'default'; modules: LicensedModules } | { status: 'licensed'; modules: LicensedModules };

export const initialLicenceState = (): LicenceState => ({ status: 'default', modules: { sales: true, marketing: true, support: true } });

export const evolveLicence = (_state: LicenceState, event: LicenceEvent): LicenceState => {
  switch (event.type) {
    case 'ModulesLicensed':
      return { status: 'licensed', modules: event.data.modules };
    default:
      return unreachable(event.type);
  }
};
