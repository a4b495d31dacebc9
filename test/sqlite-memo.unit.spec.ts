import { expect } from 'chai';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoUntilWrite } from '../src/sqlite-memo.js';

describe('memoUntilWrite', () => {
  let dir: string;
  let db: Database.Database;
  let other: Database.Database;
  let made: number;
  const make = () => (made += 1, (db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'crm-memo-'));
    db = new Database(join(dir, 'x.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (v TEXT)');
    other = new Database(join(dir, 'x.db'));
    made = 0;
  });
  afterEach(() => (db.close(), other.close(), rmSync(dir, { recursive: true, force: true })));

  it('answers a value again while nothing is written', () => {
    const memo = memoUntilWrite<number>(db, 10);
    expect([memo('k', make), memo('k', make)]).to.deep.equal([0, 0]);
    expect(made).to.equal(1);
  });

  it('makes it again after a write through the same connection, even a rolled-back one', () => {
    const memo = memoUntilWrite<number>(db, 10);
    memo('k', make);
    db.prepare("INSERT INTO t VALUES ('a')").run();
    expect(memo('k', make)).to.equal(1);
    try {
      db.transaction(() => {
        db.prepare("INSERT INTO t VALUES ('b')").run();
        throw new Error('roll back');
      })();
    } catch { /* rolled back */ }
    expect(memo('k', make)).to.equal(1);
    expect(made).to.equal(3);
  });

  it('makes it again after a commit by another connection, from the next turn of the event loop', async () => {
    const memo = memoUntilWrite<number>(db, 10);
    memo('k', make);
    other.prepare("INSERT INTO t VALUES ('a')").run();
    expect(memo('k', make)).to.equal(0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(memo('k', make)).to.equal(1);
    expect(made).to.equal(2);
  });

  it('keeps at most its capacity, and only what `keep` accepts', () => {
    const memo = memoUntilWrite<number>(db, 2, (n) => n >= 0);
    for (const key of ['a', 'b', 'c', 'a']) memo(key, make);
    expect(made).to.equal(4);
    const refusing = memoUntilWrite<number>(db, 2, () => false);
    refusing('a', make);
    refusing('a', make);
    expect(made).to.equal(6);
  });
});
