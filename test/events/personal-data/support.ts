import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../../src/errors.js';

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
