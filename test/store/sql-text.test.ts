import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromDbTimestamp, StoreError, toDbTimestamp } from '../../src/store/index.js';
import { parseSql } from '../../src/store/sql-text.js';

function isStore(code: string) {
  return (e: unknown) => e instanceof StoreError && e.code === code;
}

describe('store: SQL placeholders', () => {
  it('rewrites $n as @pn for SQLite, repeated or not, and finds the highest n', () => {
    assert.deepEqual(parseSql('SELECT * FROM t WHERE a = $1 AND b = $2 OR c = $1'), { maxParam: 2, sqlite: 'SELECT * FROM t WHERE a = @p1 AND b = @p2 OR c = @p1' });
    assert.deepEqual(parseSql('VALUES ($10, $2)'), { maxParam: 10, sqlite: 'VALUES (@p10, @p2)' });
    assert.deepEqual(parseSql('SELECT 1'), { maxParam: 0, sqlite: 'SELECT 1' });
  });

  it("leaves $n alone inside '…' literals (with '' escapes), \"…\" identifiers, comments and identifiers", () => {
    const sql = `SELECT 'it''s $1', "col$2", a$3, x -- $4\n, $1 /* $5 */ FROM t`;
    assert.deepEqual(parseSql(sql), { maxParam: 1, sqlite: `SELECT 'it''s $1', "col$2", a$3, x -- $4\n, @p1 /* $5 */ FROM t` });
  });

  it('refuses $0', () => {
    assert.throws(() => parseSql('SELECT $0'), isStore('ERR_STORE_PARAMETER'));
  });
});

describe('store: timestamps', () => {
  it('stores ISO-8601 UTC with milliseconds, which sorts as text', () => {
    assert.equal(toDbTimestamp(new Date(Date.UTC(2026, 10, 28, 18))), '2026-11-28T18:00:00.000Z');
    assert.equal(fromDbTimestamp('2026-11-28T18:00:00.000Z').getTime(), Date.UTC(2026, 10, 28, 18));
    const texts = [Date.UTC(1999, 0, 1), Date.UTC(2026, 0, 1, 0, 0, 0, 1), Date.UTC(2026, 0, 1)].map((t) => toDbTimestamp(new Date(t)));
    assert.deepEqual([...texts].sort(), [texts[0], texts[2], texts[1]]);
  });

  it('refuses invalid dates, years beyond 9999, and text in any other form', () => {
    assert.throws(() => toDbTimestamp(new Date(Number.NaN)), isStore('ERR_STORE_VALUE'));
    assert.throws(() => toDbTimestamp(new Date(Date.UTC(10000, 0, 1))), isStore('ERR_STORE_VALUE'));
    for (const text of ['2026-11-28T18:00:00Z', '2026-11-28 18:00:00.000Z', '2026-02-30T00:00:00.000Z', '2026-11-28T18:00:00.000+09:00']) {
      assert.throws(() => fromDbTimestamp(text), isStore('ERR_STORE_VALUE'), text);
    }
  });
});
