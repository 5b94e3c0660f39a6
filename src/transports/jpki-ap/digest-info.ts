import { createHash } from 'node:crypto';
import { concat } from '../../bytes/index.js';

/*
 * RFC 8017 9.2 note 1: the DER DigestInfo prefix for SHA-256,
 *   30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20 || H.
 * The JPKI card pads what it gets (PKCS#1 v1.5 type 1), so the host sends exactly this (51 bytes).
 */
const SHA256_PREFIX = Uint8Array.of(0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20);

/** DigestInfo over SHA-256(data). */
export function sha256DigestInfo(data: Uint8Array): Uint8Array {
  return concat(SHA256_PREFIX, createHash('sha256').update(data).digest());
}
