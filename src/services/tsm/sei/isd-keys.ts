import { concat } from '../../../bytes/index.js';
import { AesCmac, GP_TEST_KEY, scp03Derive, scp03KeySet, type Scp03KeySet } from '../../../crypto/index.js';

/*
 * ISD keys of the SEI-TSM (flows.md "Trust and keys": "SEI holds every SE's ISD keys (production:
 * derived per SE from a master key and the SE's identity)").
 *
 * Derivation: the SEI's master secret (32 bytes, home secret `sei-master.key`) gives, by HKDF-SHA-256
 * with the label `jpki-mobile/tsm/sei/isd-derivation`, an AES-256 derivation key MK. Each key of an
 * element's ISD set is then the SCP03 data derivation function (Amendment D 4.1.5: NIST SP 800-108
 * KDF in counter mode, PRF AES-CMAC) keyed with MK:
 *
 *     Key-ENC = KDF(MK, constant '01', context = "JPKI-SEI-ISD" || KDD, L = key length in bits)
 *     Key-MAC = KDF(MK, constant '02', same context, L)
 *     Key-DEK = KDF(MK, constant '03', same context, L)
 *
 * with KDD the element's key diversification data (IC fabricator || IC type || IC serial number || IC
 * batch identifier, from the CPLC: se-identity.ts). The constants (the key identifiers of Amendment D
 * Table 6-1) and the context label are this project's choice; the label keeps these keys apart from any
 * other use of the KDF. Nothing is stored: the SEI recomputes the keys for each session.
 */

export const ISD_DERIVATION_CONTEXT = new TextEncoder().encode('JPKI-SEI-ISD');
const CONSTANTS = { enc: 0x01, mac: 0x02, dek: 0x03 } as const;

/** The derived ISD key set of one element. */
export function deriveIsdKeys(derivationKey: Uint8Array, kdd: Uint8Array, kvn: number, length: 16 | 24 | 32 = 16): Scp03KeySet {
  const prf = new AesCmac(derivationKey);
  const context = concat(ISD_DERIVATION_CONTEXT, kdd);
  const k = (c: number) => scp03Derive(prf, c, context, length * 8);
  return scp03KeySet(kvn, k(CONSTANTS.enc), k(CONSTANTS.mac), k(CONSTANTS.dek));
}

/** A development element's ISD: the GlobalPlatform test key for ENC, MAC and DEK, as `createElement` makes it. */
export function developmentIsdKeys(kvn: number): Scp03KeySet {
  return scp03KeySet(kvn, GP_TEST_KEY, GP_TEST_KEY, GP_TEST_KEY);
}

/** The KVN that follows `kvn` (01..7F, wrapping): where a replaced key set goes. */
export function nextKvn(kvn: number): number {
  return (kvn % 0x7f) + 1;
}
