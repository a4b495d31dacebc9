/**
 * Event schemas evolve through upcasters registered per (event type, schema version): each one
 * lifts data from version N to N + 1. Events are stored as written and upcast on read, so the
 * log is never rewritten and the audit trail keeps what was recorded.
 */
import { InvalidInputError } from '../errors.js';
import type { JsonObject } from './log/port.js';

/** Lifts one event type's data from `from` to `from + 1`. Pure: no clock, no I/O. */
export type Upcaster = { type: string; from: number; up: (data: JsonObject) => JsonObject };

export type Versioned = { type: string; schemaVersion: number; data: JsonObject };

export type Upcasters = {
  /** The version new events of this type are written at: one past the last upcaster, or 1. */
  currentVersion: (type: string) => number;
  /** The event lifted to the current version of its type. */
  upcast: <E extends Versioned>(event: E) => E;
};

const key = (type: string, version: number): string => `${type}@${version}`;

/** Builds the registry; refuses gaps and duplicates so every old version has one path forward. */
export const upcasters = (list: readonly Upcaster[]): Upcasters => {
  const steps = new Map<string, Upcaster['up']>();
  const current = new Map<string, number>();
  for (const u of [...list].sort((a, b) => a.from - b.from)) {
    const expected = current.get(u.type) ?? 1;
    if (u.from !== expected) {
      throw new InvalidInputError('invalid_upcaster', `Upcaster for ${u.type} starts at ${u.from}, expected ${expected}`);
    }
    steps.set(key(u.type, u.from), u.up);
    current.set(u.type, u.from + 1);
  }
  const currentVersion = (type: string): number => current.get(type) ?? 1;
  const upcast = <E extends Versioned>(event: E): E => {
    let { data, schemaVersion } = event;
    for (let step = steps.get(key(event.type, schemaVersion)); step; step = steps.get(key(event.type, schemaVersion))) {
      data = step(data);
      schemaVersion += 1;
    }
    return schemaVersion === event.schemaVersion ? event : { ...event, data, schemaVersion };
  };
  return { currentVersion, upcast };
};

export const noUpcasters: Upcasters = upcasters([]);
