/** The Account aggregate: the catalogue decider of `accountKind` (no personal data). */
import { catalogueDecider, type RecordCommand } from '../catalogue.js';
import { accountKind } from '../../events/sales/account.js';
import type { RecordState } from '../../events/catalogue.js';
import type { Aggregate } from '../handle.js';
import type { DomainEvent } from '../decider.js';

export const accountAggregate: Aggregate<RecordCommand, DomainEvent, RecordState> = {
  type: accountKind.type,
  decider: catalogueDecider(accountKind),
};
