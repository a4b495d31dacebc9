/**
 * The key store (design §4): one data key per (tenant, subject), kept in `DATA_DIR/keys.db`,
 * separate from the event log. Each data key is stored wrapped (AES-256-GCM under the master key,
 * fresh nonce, tenant and subject as associated data) beside the id of the master key that wrapped
 * it. Erasure destroys the wrapped key and keeps a tombstone, so no key is ever minted again for
 * that subject; `secure_delete=ON` and a WAL checkpoint leave no copy of it in any file.
 *
 * Unwrapped keys are cached (bounded LRU). A process sees another process's erasure at its next
 * `keyFor` (which reads the row, except for a subject this process has just minted: no other
 * process can know that id before it is first used), but `existingKey` may answer from its cache until the
 * entry is evicted: erase through the store of the process that serves reads, or restart the others.
 */
import type Database from 'better-sqlite3';
import { KEY_BYTES, randomSecret, seal, unseal } from './cipher.js';
import {
  InvalidSubjectError,
  MasterKeyMismatchError,
  PersonalDataIntegrityError,
  SubjectErasedError,
} from './errors.js';
import { startMinter, type Minter } from './key-minter.js';
import { subjectPool } from './key-pool.js';
import {
  assertCurrentMaster,
  checkMaster,
  checkpoint,
  insertNewKeys,
  openDatabase,
  prepareStatements,
  rewrapAll,
  wrapAd,
  type KeyRow,
  type Master,
  type MasterRecording,
  type NewKey,
  type Statements,
} from './key-table.js';
import { lruCache, type Lru } from './lru.js';
import { masterKeyId } from './master-key.js';

/** The reserved subject under which each tenant's lookup key lives (see `keyed-hash.ts`). */
export const LOOKUP_SUBJECT = '__lookup__';

/** Subject ids starting with `__` are reserved for the system: never a data subject, never erasable. */
export const isReservedSubject = (subject: string): boolean => subject.startsWith('__');

/** Who erased a subject, when, and why (the reason must not contain personal data). */
export type Erasure = { by: string; reason: string; at: Date };

/** The outcome of `erase`: `walCheckpointed` false means a reader kept the WAL alive; erase again later. */
export type EraseResult = { alreadyErased: boolean; erasedAt: Date; walCheckpointed: boolean };

export type KeyStore = {
  /** The subject's data key, minted on first use. Throws `SubjectErasedError` for an erased subject. */
  keyFor(tenant: string, subject: string): Buffer;
  /**
   * A new subject id of the tenant whose data key is already durable. Keys are minted ahead in
   * batches (one fsync for many subjects) on a thread of their own (`key-pool.ts`), so recording
   * a new person neither waits for nor blocks on an fsync.
   */
  newSubjectId(tenant: string): Promise<string>;
  /** The subject's data key, `'erased'` after erasure, or undefined when none was ever minted. Never mints. */
  existingKey(tenant: string, subject: string): Buffer | 'erased' | undefined;
  isErased(tenant: string, subject: string): boolean;
  /** Destroys the subject's key and keeps a tombstone, then checkpoints the WAL. Idempotent. */
  erase(tenant: string, subject: string, erasure: Erasure): EraseResult;
  /** Re-wraps every live data key under `newMasterKey` in one transaction; returns how many. */
  rotateMaster(newMasterKey: Buffer): number;
  /** The id (public fingerprint) of the master key in use. */
  masterKeyId(): string;
  stats(): { cached: number; cacheLimit: number };
  close(): void;
};

export type KeyStoreOptions = {
  cacheLimit?: number;
  /** Whether this process records its master key id (see `checkMaster`); the server's `record` by default. */
  masterRecording?: MasterRecording;
};

/** `fresh`: subjects this process minted and handed out whose key nobody has asked for yet. */
type Context = { s: Statements; master: Master; cache: Lru<Buffer>; fresh: Lru<true> };

const cacheKey = (tenant: string, subject: string): string => `${tenant}\0${subject}`;
const rowOf = (c: Context, tenant: string, subject: string) => c.s.row.get(tenant, subject) as KeyRow | undefined;

/** Unwraps a live row's key under the current master key and caches it; returns a copy. */
const unwrap = (c: Context, tenant: string, subject: string, row: KeyRow): Buffer => {
  if (row.master_key_id !== c.master.id) throw new MasterKeyMismatchError([row.master_key_id ?? ''], c.master.id);
  const key = unseal(c.master.key, wrapAd(tenant, subject), row.wrapped_key!);
  c.cache.set(cacheKey(tenant, subject), key);
  return Buffer.from(key);
};

/** Runs under the write lock: a concurrent process cannot mint another key, erase or rotate in between. */
const mintKey = (c: Context, tenant: string, subject: string): Buffer => {
  assertCurrentMaster(c.s, c.master.id);
  const row = rowOf(c, tenant, subject);
  if (row?.erased_at) throw new SubjectErasedError(tenant, subject);
  if (row) return unwrap(c, tenant, subject, row);
  const key = randomSecret(KEY_BYTES);
  const wrapped = seal(c.master.key, wrapAd(tenant, subject), key);
  c.s.insert.run(tenant, subject, wrapped, c.master.id, new Date().toISOString());
  c.cache.set(cacheKey(tenant, subject), key);
  return Buffer.from(key);
};

/** Caches a committed batch of new subjects' keys (each is marked fresh once handed out). */
const acceptMinted = (c: Context, tenant: string, keys: NewKey[]): void => {
  for (const { subject, key } of keys) c.cache.set(cacheKey(tenant, subject), key);
};

/** Deletes the keys minted ahead and never handed out (no event can use them). */
const dropUnused = (db: Database.Database, unused: Array<{ tenant: string; subjects: string[] }>): void => {
  const remove = db.prepare('DELETE FROM data_keys WHERE tenant_id = ? AND subject_id = ?');
  db.transaction(() => unused.forEach(({ tenant, subjects }) => subjects.forEach((id) => remove.run(tenant, id))))();
};

/** Writes the tombstone (over a live key, or alone when none was ever minted) unless already there. */
const writeTombstone = (c: Context, tenant: string, subject: string, erasure: Erasure) => {
  const row = rowOf(c, tenant, subject);
  if (row?.erased_at) return { alreadyErased: true, erasedAt: new Date(row.erased_at) };
  const at = erasure.at.toISOString();
  c.s.tombstone.run(tenant, subject, at, at, erasure.by, erasure.reason);
  return { alreadyErased: false, erasedAt: erasure.at };
};

const rotateAll = (c: Context, next: Buffer, nextId: string): number => {
  const count = rewrapAll(c.s, c.master.key, next, nextId);
  c.s.setMetaId.run(nextId);
  return count;
};

type Mint = (tenant: string, subject: string) => Buffer;

// A subject this process just minted and handed out is known to no other process before its
// first event, so nothing else can have erased it: its first key lookup skips the row. A reserved
// subject (a tenant's lookup key, asked at every uniqueness check) is never erased, so its cached
// key needs no row either.
const keyFor = (c: Context, mint: Mint, tenant: string, subject: string): Buffer => {
  const key = cacheKey(tenant, subject);
  const fresh = (c.fresh.delete(key) || isReservedSubject(subject)) && c.cache.get(key);
  if (fresh) return Buffer.from(fresh);
  const row = rowOf(c, tenant, subject);
  if (row?.erased_at) throw new SubjectErasedError(tenant, subject);
  const cached = row && c.cache.get(cacheKey(tenant, subject));
  if (cached) return Buffer.from(cached);
  return row ? unwrap(c, tenant, subject, row) : mint(tenant, subject);
};

const existingKey = (c: Context, tenant: string, subject: string): Buffer | 'erased' | undefined => {
  const cached = c.cache.get(cacheKey(tenant, subject));
  if (cached) return Buffer.from(cached);
  const row = rowOf(c, tenant, subject);
  if (!row) return undefined;
  return row.erased_at ? 'erased' : unwrap(c, tenant, subject, row);
};

const assertMasterKey = (key: Buffer): void => {
  if (key.length !== KEY_BYTES) throw new PersonalDataIntegrityError(`The master key must be ${KEY_BYTES} bytes`);
};

/**
 * Opens (creating if needed, mode 0600) the key store. Throws `MasterKeyMismatchError` when the
 * stored data keys were wrapped by another master key.
 */
export const openKeyStore = (file: string, masterKey: Buffer, options: KeyStoreOptions = {}): KeyStore => {
  assertMasterKey(masterKey);
  const db = openDatabase(file);
  const s = prepareStatements(db);
  const master = { key: Buffer.from(masterKey), id: masterKeyId(masterKey) };
  try {
    db.transaction(() => checkMaster(s, master.id, options.masterRecording)).immediate();
  } catch (error) {
    db.close();
    throw error;
  }
  const cacheLimit = options.cacheLimit ?? 10_000;
  const context = { s, master, cache: lruCache<Buffer>(cacheLimit), fresh: lruCache<true>(cacheLimit) };
  return createKeyStore(db, file, context, cacheLimit);
};

/** Validates, writes the tombstone under the write lock, evicts the cached key, checkpoints the WAL. */
const eraseSubject = (db: Database.Database, c: Context, tenant: string, subject: string, erasure: Erasure) => {
  if (isReservedSubject(subject)) {
    throw new InvalidSubjectError('A reserved subject id cannot be erased', { subjectId: subject });
  }
  wrapAd(tenant, subject); // validates both ids
  const outcome = db.transaction(() => writeTombstone(c, tenant, subject, erasure)).immediate();
  c.cache.delete(cacheKey(tenant, subject));
  c.fresh.delete(cacheKey(tenant, subject));
  return { ...outcome, walCheckpointed: checkpoint(db) };
};

/** Re-wraps every live key in one write transaction, then switches to the new master key. */
const rotateMaster = (db: Database.Database, c: Context, newMasterKey: Buffer): number => {
  assertMasterKey(newMasterKey);
  const nextId = masterKeyId(newMasterKey);
  const count = db.transaction(() => rotateAll(c, newMasterKey, nextId)).immediate();
  c.master = { key: Buffer.from(newMasterKey), id: nextId };
  checkpoint(db);
  return count;
};

/** New subjects: minted ahead on a thread (a file database only), else on this one. */
const newSubjects = (db: Database.Database, file: string, c: Context) => {
  const here = db.transaction((tenant: string, count: number) => insertNewKeys(c.s, c.master, tenant, count));
  let minter: Minter | undefined;
  const pool = subjectPool({
    mintAhead: async (tenant, count) =>
      file === ':memory:' ? undefined : (minter ??= startMinter(file)).mint(tenant, count, c.master),
    mintHere: (tenant, count) => here.immediate(tenant, count),
    accept: (tenant, keys) => acceptMinted(c, tenant, keys),
  });
  return {
    next: async (tenant: string): Promise<string> => {
      wrapAd(tenant, 'subject'); // validates the tenant id before anything is minted
      const subject = await pool.next(tenant);
      c.fresh.set(cacheKey(tenant, subject), true);
      return subject;
    },
    close: () => dropUnused(db, pool.close(minter?.close() ?? [])),
  };
};

const createKeyStore = (db: Database.Database, file: string, c: Context, cacheLimit: number): KeyStore => {
  const mint = db.transaction((tenant: string, subject: string) => mintKey(c, tenant, subject));
  const subjects = newSubjects(db, file, c);
  let closed = false;
  return {
    keyFor: (tenant, subject) => keyFor(c, mint.immediate, tenant, subject),
    newSubjectId: (tenant) => subjects.next(tenant),
    existingKey: (tenant, subject) => existingKey(c, tenant, subject),
    isErased: (tenant, subject) => Boolean(rowOf(c, tenant, subject)?.erased_at),
    erase: (tenant, subject, erasure) => eraseSubject(db, c, tenant, subject, erasure),
    rotateMaster: (newMasterKey) => rotateMaster(db, c, newMasterKey),
    masterKeyId: () => c.master.id,
    stats: () => ({ cached: c.cache.size(), cacheLimit }),
    close: () => {
      if (closed) return;
      closed = true;
      subjects.close();
      checkpoint(db);
      db.close();
    },
  };
};
