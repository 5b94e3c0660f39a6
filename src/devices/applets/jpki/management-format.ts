/*
 * The management interface of the JPKI applet as bytes: what the SP-TSM sends in STORE DATA through
 * the applet's security domain (after INSTALL [for personalization], GP Card Spec 2.3.1 11.5 and
 * 11.11), and what the applet answers. Shared by the applet (management.ts, store-data.ts) and the
 * host-side builder (management-commands.ts), so the two cannot drift apart.
 *
 * STORE DATA `80 E2 P1 P2 Lc <data> [Le]` (GP Card Spec 2.3.1 11.11, reference control parameter P1):
 *   P1 b8     1 = last block of the sequence
 *   P1 b7b6   00 = no general encryption information (the security domain's C-ENC protects the
 *             data in transit and has removed it before forwarding; '11', data encrypted with the
 *             application's DEK, is not used: the applet has no access to the domain's keys)
 *   P1 b5b4   10 = BER-TLV (the only structure accepted; DGI '01' is refused)
 *   P1 b3b2   00 (RFU)
 *   P1 b1     case 4 indicator, either value
 *   P2        block number, 00 for the first block of a sequence, then +1 up to FF
 *
 * The data fields of a sequence's blocks, concatenated, are a series of management data objects
 * (below); a data object may be split anywhere across blocks. Each data object is carried out when
 * its last byte arrives, and its response (if any) is part of that block's response data.
 */

/** STORE DATA instruction (GP Card Spec 11.11). */
export const INS_STORE_DATA = 0xe2;

export const P1_LAST_BLOCK = 0x80;
/** b7b6: general encryption information. */
export const P1_ENCRYPTION = 0x60;
/** b5b4: data structure information. */
export const P1_STRUCTURE = 0x18;
export const P1_STRUCTURE_BER_TLV = 0x10;
/** b3b2: reserved for future use. */
export const P1_RFU = 0x06;
/** b1: response data expected. */
export const P1_CASE_4 = 0x01;

/** Management data objects (private class, constructed; tag byte = command). */
export const TAG = {
  /** GENERATE KEY PAIR: `E1 { 83 02 <key FID> }` → `E1 { 83 02 <key FID>, 80 <SubjectPublicKeyInfo DER> }`. */
  GENERATE_KEY_PAIR: 0xe1,
  /** PUT CERTIFICATE: `E2 { 83 02 <certificate FID>, 80 <certificate DER> }`, no response data. */
  PUT_CERTIFICATE: 0xe2,
  /** SET REFERENCE DATA: `E3 { 83 02 <PIN FID>, 80 <ASCII value> }`, no response data. */
  SET_REFERENCE_DATA: 0xe3,
  /** REVOKE: `E4 { 83 02 <end-entity certificate FID> }`, no response data. */
  REVOKE: 0xe4,
  /** WIPE: `E5 00`, no response data. */
  WIPE: 0xe5,
  /** GET PUBLIC KEY: `E6 { 83 02 <key FID> }` → `E6 { 83 02 <key FID>, 80 <SubjectPublicKeyInfo DER> }`. */
  GET_PUBLIC_KEY: 0xe6,
  /** GET STATE: `E7 00` → `E7 { A0 { 83 02 <FID>, 81 01 <status> [, 82 01 <tries left>] } … }`. */
  GET_STATE: 0xe7,
} as const;

export const MANAGEMENT_TAGS: ReadonlySet<number> = new Set(Object.values(TAG));

/** Inner data objects. */
export const INNER = {
  /** File identifier, 2 bytes (the tag ISO/IEC 7816-4 Table 12 gives it in file control parameters). */
  FID: 0x83,
  /** The content: a certificate, a PIN value, a public key. */
  CONTENT: 0x80,
  /** GET STATE: the status of one EF. */
  STATUS: 0x81,
  /** GET STATE: tries left of a PIN EF. */
  TRIES_LEFT: 0x82,
  /** GET STATE: one EF's entry. */
  ENTRY: 0xa0,
} as const;

/** GET STATE status byte of an EF. */
export const STATUS = {
  /** Nothing written: no certificate, no key generated, no PIN set. */
  ABSENT: 0x00,
  /** A certificate, a key, a PIN. */
  PRESENT: 0x01,
  /** Key EFs only: the key was destroyed because its certificate was revoked. */
  REVOKED: 0x02,
} as const;

/** The largest certificate the applet stores (a JPKI signature certificate is about 1.5-2 KB). */
export const MAX_CERTIFICATE_LENGTH = 8192;

/** The largest management data object, tag and length included: a PUT CERTIFICATE of the largest certificate. */
export const MAX_DO_LENGTH = 8 + 4 + 4 + MAX_CERTIFICATE_LENGTH;

/**
 * The default data length of one STORE DATA block built by the host: with C-MAC and C-ENC the
 * security domain's channel pads to 16 bytes and adds an 8-byte MAC, and 239 → 240 + 8 = 248 keeps a
 * short APDU (Lc ≤ 255).
 */
export const DEFAULT_BLOCK_LENGTH = 239;

/**
 * The most data objects one block may complete, and the most key generations among them (one per
 * key EF): an extended block of 64 KB of `E1 04 83 02 00 17` would otherwise ask for ten thousand
 * RSA key pairs in one command.
 */
export const MAX_OBJECTS_PER_BLOCK = 16;
export const MAX_GENERATIONS_PER_BLOCK = 2;

/** Block numbers run from 00 to FF (P2). */
export const MAX_BLOCKS = 256;
