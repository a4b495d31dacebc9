/**
 * The Contact aggregate as the command handler sees it: the catalogue decider of `contactKind`
 * (create, update with the changed fields only, archive, restore, owner, tags), with the kind's
 * personal fields encrypted under the contact's subject.
 */
import { catalogueDecider } from '../catalogue.js';
import { contactKind } from '../../events/sales/contact.js';
import { personalDataOf } from '../../events/catalogue.js';
import type { Aggregate } from '../handle.js';
import type { RecordCommand } from '../catalogue.js';
import type { DomainEvent } from '../decider.js';
import type { RecordState } from '../../events/catalogue.js';

export const contactDecider = catalogueDecider(contactKind);

export const contactAggregate: Aggregate<RecordCommand, DomainEvent, RecordState> = {
  type: contactKind.type,
  decider: contactDecider,
  personalData: personalDataOf(contactKind),
};
