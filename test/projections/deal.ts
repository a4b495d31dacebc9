/** A test record kind with every column type, personal fields, a nested field and search. */
import { randomUUID } from 'node:crypto';
import { catalogueDecider, type RecordCommand } from '../../src/commands/catalogue.js';
import { handleCommand, type Aggregate, type CommandContext, type CommandDeps } from '../../src/commands/handle.js';
import type { DomainEvent } from '../../src/commands/decider.js';
import { personalDataOf, type RecordKind, type RecordState } from '../../src/events/catalogue.js';

export const dealKind: RecordKind = {
  type: 'test.deal',
  eventPrefix: 'Deal',
  fields: {
    firstName: { type: 'string' },
    lastName: { type: 'string' },
    email: { type: 'string' },
    stage: { type: 'string' },
    amount: { type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' } } },
    city: { type: 'string' },
    closeAt: { type: 'string', format: 'date-time' },
    vip: { type: 'boolean' },
    labels: { type: 'array', items: { type: 'string' } },
    score: { type: 'number' },
  },
  required: ['firstName', 'lastName', 'email'],
  personal: ['firstName', 'lastName', 'email'],
  classification: {
    firstName: 'personal', lastName: 'personal', email: 'personal', stage: 'internal', amount: 'confidential',
    city: 'confidential', closeAt: 'internal', vip: 'internal', labels: 'internal', score: 'confidential',
  },
  subject: 'self',
  filterable: ['stage', 'amount.amount', 'city', 'lastName', 'vip', 'closeAt', 'labels'],
  sortable: ['lastName', 'amount.amount', 'closeAt', 'score'],
  searchable: ['firstName', 'lastName', 'city'],
};

export const dealAggregate: Aggregate<RecordCommand, DomainEvent, RecordState> = {
  type: dealKind.type,
  decider: catalogueDecider(dealKind),
  personalData: personalDataOf(dealKind),
};

export const contextOf = (tenantId: string, now: string): CommandContext => ({
  tenantId, actorId: 'user-1', commandId: randomUUID(), correlationId: randomUUID(), now: new Date(now),
});

/** Sends one command to deal `id` of `tenant` at time `now`. */
export const sendDeal = (deps: CommandDeps, tenant: string, id: string, command: RecordCommand, now = '2026-03-01T10:00:00.000Z') =>
  handleCommand(deps, dealAggregate, { id, command, context: contextOf(tenant, now) });
