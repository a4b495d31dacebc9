/**
 * Module licensing: the platform super admin enables or disables sales, marketing and support per
 * organization; the directory follows so the module gate reads it per request.
 */
import { NotFoundError } from '../../errors.js';
import {
  LICENCE_AGGREGATE,
  evolveLicence,
  initialLicenceState,
  type LicenceEvent,
  type LicenceState,
  type LicensedModules,
} from '../../events/identity/licence.js';
import { PLATFORM_TENANT } from '../../events/identity/organization.js';
import { unreachable, type Decider } from '../decider.js';
import { handleCommand, type Aggregate, type CommandContext } from '../handle.js';
import type { AccountDeps } from './accounts.js';

export type LicenceCommand = { type: 'LicenseModules'; modules: Partial<LicensedModules>; at: string };

const decide = (command: LicenceCommand, state: LicenceState): LicenceEvent[] => {
  switch (command.type) {
    case 'LicenseModules': {
      const modules = { ...state.modules, ...command.modules };
      // The first licence is recorded even when it keeps the defaults: it gives the answer a revision.
      if (state.status === 'licensed' && JSON.stringify(modules) === JSON.stringify(state.modules)) return [];
      return [{ type: 'ModulesLicensed', data: { modules, licensedAt: command.at } }];
    }
    default:
      return unreachable(command.type);
  }
};

export const licenceDecider: Decider<LicenceCommand, LicenceEvent, LicenceState> = { initialState: initialLicenceState, evolve: evolveLicence, decide };

export const licenceAggregate: Aggregate<LicenceCommand, LicenceEvent, LicenceState> = { type: LICENCE_AGGREGATE, decider: licenceDecider };

/** Enables or disables modules of an organization (the others unchanged); answers the modules now licensed. */
export const licenseModules = async (deps: AccountDeps, slug: string, modules: Partial<LicensedModules>, context: CommandContext) => {
  if (!deps.directory.tenant(slug)) throw new NotFoundError('No such organization');
  const command: LicenceCommand = { type: 'LicenseModules', modules, at: context.now.toISOString() };
  const result = await handleCommand(deps, licenceAggregate, { id: slug, command, context: { ...context, tenantId: PLATFORM_TENANT } });
  const licensed = { ...deps.directory.modulesOf(slug), ...modules };
  deps.directory.putModules(slug, licensed);
  return { ...result, modules: licensed };
};
