import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src/errors.js';
import type { EventStore, JsonObject } from '../../../src/events/log/port.js';
import { parseStreamName, streamName } from '../../../src/events/log/stream-name.js';
import type { KeyStore } from '../../../src/events/personal-data/key-store.js';
import { descriptorOf, protect } from '../../../src/events/personal-data/protect.js';

/** A fresh temporary directory per test, removed afterwards. */
export const useTempDir = (prefix = 'crm-pd-'): { readonly path: string } => {
  const state = { path: '' };
  beforeEach(() => {
    state.path = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(state.path, { recursive: true, force: true }));
  return state;
};

export const newKey = (): Buffer => randomBytes(32);

/** The error `fn` throws; fails the test when it returns. */
export const thrown = (fn: () => unknown): AppError => {
  try {
    fn();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
};

/** Collects warn calls like a logger. */
export const recordingLogger = () => {
  const lines: Array<{ fields: object; message: string }> = [];
  return { lines, warn: (fields: object, message: string) => void lines.push({ fields, message }) };
};

/** A stored event of a fixture: as written, with the personal values its descriptor lists in plaintext. */
export type StoredFixture = { type: string; schemaVersion: number; data: JsonObject; metadata: JsonObject };

/**
 * The fixture's events as the code of their day stored them: each value its descriptor lists
 * encrypted under the subject's key, the rest as written; appended to their streams, in order.
 * Answers the last position.
 */
export const appendAsStored = async (store: EventStore, keyStore: KeyStore, fixtures: readonly StoredFixture[]): Promise<bigint> => {
  let position = 0n;
  for (const { type, schemaVersion, data, metadata } of fixtures) {
    const tenant = metadata.tenantId as string;
    const spec = { subjectField: 'subjectId', fields: descriptorOf(metadata)!.fields.map((f) => f.path) };
    const event = { id: randomUUID(), type, schemaVersion, data: protect(keyStore, tenant, spec, data), metadata };
    position = (await store.append(streamName(tenant, metadata.aggregateType as string, metadata.aggregateId as string), [event])).position;
  }
  return position;
};

/** The stored events of `test/events/fixtures/<name>.json`. */
export const storedFixtures = (name: string): StoredFixture[] =>
  JSON.parse(readFileSync(new URL(`../fixtures/${name}.json`, import.meta.url), 'utf8')) as StoredFixture[];

/**
 * Appends one event at the end of `stream` as the code of a day before its values were personal
 * wrote it: `data` as given (plaintext, no subject id), no personal-data descriptor. Answers its position.
 */
export const appendAsOldVersion = async (store: EventStore, stream: string, type: string, data: JsonObject): Promise<number> => {
  const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
  const { tenantId, aggregateType, id } = parseStreamName(stream);
  const commandId = randomUUID();
  const metadata = {
    tenantId, actorId: 'user-admin', commandId, correlationId: commandId, causationId: commandId,
    occurredAt: new Date().toISOString(), aggregateType, aggregateId: id,
  };
  const event = { id: randomUUID(), type, schemaVersion: 1, data, metadata };
  return Number((await store.append(stream, [event], { expectedRevision: last?.revision ?? 'no_stream' })).position);
};
