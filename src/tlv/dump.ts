import { toHex } from '../bytes/index.js';
import type { Tlv, TlvRoot } from './node.js';
import { rootList } from './node.js';
import { tagToHex } from './tag.js';

/**
 * A readable tree for logs and test failures: one line per data object, two spaces per level,
 * `TAG (length)` with the length in decimal, then the value in hex for primitives. The length is
 * that of `value`, i.e. as received for decoded nodes (padding included).
 */
export function dumpTlv(root: TlvRoot): string {
  const lines: string[] = [];
  for (const node of rootList(root)) dumpNode(node, '', lines);
  return lines.join('\n');
}

function dumpNode(node: Tlv, indent: string, lines: string[]): void {
  const head = `${indent}${tagToHex(node.tag)} (${node.value.length})`;
  if (!node.constructed) {
    lines.push(node.value.length === 0 ? head : `${head} ${toHex(node.value)}`);
    return;
  }
  lines.push(head);
  for (const child of node.children) dumpNode(child, indent + '  ', lines);
}
