import { createHash } from 'node:crypto';

/** The hash before the first entry: 64 zeros (the seed of `audit_head`). */
export const GENESIS_HASH = '0'.repeat(64);

/** Separates this encoding from any other use of SHA-256 over length-prefixed fields; bump on change. */
export const AUDIT_HASH_DOMAIN = 'jpki-mobile/audit-log/v1';

/** The stored text of one audit entry, exactly as in the `audit_log` columns. */
export interface AuditHashInput {
  readonly seq: number;
  /** ISO-8601 UTC with milliseconds, e.g. `2026-11-28T18:00:00.000Z`. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  /** The canonical JSON text of the payload (`canonicalJson`). */
  readonly payload: string;
  /** The previous entry's hash, lowercase hex (GENESIS_HASH for seq 1). */
  readonly prevHash: string;
}

/**
 * hash = lowercase hex of SHA-256 over eight fields in this order, each as a 4-byte big-endian
 * length of its UTF-8 bytes followed by those bytes:
 *
 *   domain ("jpki-mobile/audit-log/v1") ‖ seq (decimal ASCII, no sign or leading zeros) ‖ at ‖ actor ‖
 *   action ‖ subject ‖ payload (canonical JSON) ‖ prev_hash (64 lowercase hex digits)
 *
 * The length prefixes make the encoding injective: no two different entries give the same bytes.
 */
export function auditHash(entry: AuditHashInput): string {
  const fields = [AUDIT_HASH_DOMAIN, String(entry.seq), entry.at, entry.actor, entry.action, entry.subject, entry.payload, entry.prevHash];
  const hash = createHash('sha256');
  for (const field of fields) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    hash.update(length);
    hash.update(bytes);
  }
  return hash.digest('hex');
}
