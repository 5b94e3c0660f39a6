import { TlvError } from './errors.js';
import type { Tlv, TlvRoot } from './node.js';
import { rootList } from './node.js';

/**
 * A tag path names nested data objects from the top: `[0x6F, 0xA5, 0x9F65]` is 9F65 inside A5 inside
 * 6F (the addressing ISO/IEC 7816-4 5.2 templates imply). Each step may match several siblings, so
 * matches are produced depth-first in document order. An empty path matches nothing.
 */
function* matches(candidates: readonly Tlv[], path: readonly number[], step: number): Generator<Tlv> {
  const tag = path[step];
  if (tag === undefined) return;
  for (const node of candidates) {
    if (node.tag !== tag) continue;
    if (step === path.length - 1) yield node;
    else if (node.constructed) yield* matches(node.children, path, step + 1);
  }
}

/** The first data object at `path` in document order, or undefined. */
export function findTlv(root: TlvRoot, path: readonly number[]): Tlv | undefined {
  for (const node of matches(rootList(root), path, 0)) return node;
  return undefined;
}

/** Every data object at `path` in document order, e.g. all E2 rules under FF40. */
export function findAllTlv(root: TlvRoot, path: readonly number[]): Tlv[] {
  return [...matches(rootList(root), path, 0)];
}

/** Like `findTlv`, for data objects a response must contain: absence throws ERR_TLV_NOT_FOUND. */
export function requireTlv(root: TlvRoot, path: readonly number[]): Tlv {
  const node = findTlv(root, path);
  if (node === undefined) {
    const shown = path.map((t) => t.toString(16).toUpperCase().padStart(2, '0')).join('/');
    throw new TlvError('ERR_TLV_NOT_FOUND', `no data object at ${shown === '' ? 'the empty path' : shown}`);
  }
  return node;
}
