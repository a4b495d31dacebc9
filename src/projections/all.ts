/** Every projector the system runs; the server, the CLI and the rebuild job start them from here. */
import { NotFoundError } from '../errors.js';
import type { Projector } from './projector.js';
import { contactLinksProjector, contactsProjector, contactsUniqueProjector } from './sales/contacts.js';
import { accountsProjector } from './sales/accounts.js';
import { leadsProjector } from './sales/leads.js';
import { opportunitiesProjector } from './sales/opportunities.js';
import { quotesProjector } from './sales/quotes.js';
import { activitiesProjector } from './sales/activities.js';
import { reportsProjector } from './sales/reports.js';
import { targetsProjector } from './sales/targets.js';
import { webFormsProjector } from './sales/web-forms.js';

export const PROJECTORS: readonly Projector[] = [contactsProjector, accountsProjector, leadsProjector, opportunitiesProjector, contactsUniqueProjector, quotesProjector, activitiesProjector, targetsProjector, reportsProjector, contactLinksProjector, webFormsProjector];

/** The projector of that name; 404 `not_found` otherwise (the name comes from a URL or the CLI). */
export const projectorNamed = (name: string): Projector => {
  const projector = PROJECTORS.find((p) => p.name === name);
  if (!projector) throw new NotFoundError(`No projection named ${name}`, { projection: name, known: PROJECTORS.map((p) => p.name) });
  return projector;
};
