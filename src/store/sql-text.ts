import { StoreError } from './errors.js';

/** A statement with its `$n` placeholders found: the highest n, and the text for SQLite (`@pn`). */
export interface ParsedSql {
  readonly maxParam: number;
  readonly sqlite: string;
}

const cache = new Map<string, ParsedSql>();
const CACHE_LIMIT = 500;

/**
 * Finds the `$n` placeholders of a statement, outside string literals ('…'), quoted identifiers ("…")
 * and comments, and rewrites them as SQLite named parameters `@pn` (so `$1` may appear twice).
 * PostgreSQL dollar-quoted bodies (`$$ … $$`) belong in migration scripts, which take no parameters.
 */
export function parseSql(sql: string): ParsedSql {
  const hit = cache.get(sql);
  if (hit) return hit;
  let out = '';
  let maxParam = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = closingQuote(sql, i, c);
      out += sql.slice(i, end);
      i = end;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? n : nl;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && sql[i + 1] === '*') {
      const close = sql.indexOf('*/', i + 2);
      const end = close === -1 ? n : close + 2;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '$' && isDigit(sql[i + 1]) && !isIdentChar(sql[i - 1])) {
      let j = i + 1;
      while (j < n && isDigit(sql[j])) j++;
      const index = Number(sql.slice(i + 1, j));
      if (index < 1) throw new StoreError('ERR_STORE_PARAMETER', 'placeholders are numbered from $1');
      maxParam = Math.max(maxParam, index);
      out += '@p' + index;
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  const parsed = { maxParam, sqlite: out };
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(sql, parsed);
  return parsed;
}

/** Index just past the quote closing the one at `start`; a doubled quote is an escaped one. */
function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < sql.length) {
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2;
      else return i + 1;
    } else i++;
  }
  return sql.length;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$]/.test(c);
}

/** Checks that the parameters fill the placeholders exactly, as PostgreSQL does, on both dialects. */
export function checkParamCount(parsed: ParsedSql, params: readonly unknown[]): void {
  if (params.length !== parsed.maxParam) {
    throw new StoreError('ERR_STORE_PARAMETER', `the statement has ${parsed.maxParam} placeholder(s) but ${params.length} parameter(s) were given`);
  }
}
