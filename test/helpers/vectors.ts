import { readFileSync } from 'node:fs';
import { fromRoot } from './paths.js';

/** The non-comment, non-empty lines of a vector file under test/vectors/, split on whitespace. */
export function vectorLines(name: string): string[][] {
  return readFileSync(fromRoot('test', 'vectors', name), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(/\s+/));
}

/** A JSON vector file under test/vectors/. */
export function vectorJson<T>(name: string): T {
  return JSON.parse(readFileSync(fromRoot('test', 'vectors', name), 'utf8')) as T;
}

/** A deterministic byte source for reproducible tests (xorshift32; not for keys). */
export function seededRandom(seed: number): (length: number) => Uint8Array {
  let s = seed >>> 0 || 1;
  return (length: number) => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) {
      s ^= s << 13;
      s >>>= 0;
      s ^= s >>> 17;
      s ^= s << 5;
      s >>>= 0;
      out[i] = s & 0xff;
    }
    return out;
  };
}
