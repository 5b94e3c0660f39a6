import { hex } from '../../../bytes/index.js';

/**
 * JPKI-AP DF name (jpki-ap.md 1.1; OpenSC `AID_JPKI`, jpki/myna `JPKI_AID`): the card's AP and the
 * secure element's JPKI applet instance answer to the same name, so readers and kiosks select both alike.
 */
export const JPKI_AID = hex('D392F000260100000001');

/** Elementary files of the JPKI-AP (jpki-ap.md 1.1), by file identifier in uppercase hex. */
export const EF = {
  /** 署名用電子証明書: digital-signature certificate, readable after the password VERIFY. */
  SIGN_CERT: '0001',
  /** Signature CA certificate. */
  SIGN_CA_CERT: '0002',
  /** Token information (CK_TOKEN_INFO-like, 160 bytes). */
  TOKEN_INFO: '0006',
  /** Certificate availability, `8F 8F 00`. */
  AVAILABILITY: '0008',
  /** 利用者証明用電子証明書: user-authentication certificate. */
  AUTH_CERT: '000A',
  /** User-authentication CA certificate. */
  AUTH_CA_CERT: '000B',
  /** User-authentication private key (usable after the PIN). */
  AUTH_KEY: '0017',
  /** User-authentication PIN: 4 digits, 3 tries. */
  AUTH_PIN: '0018',
  /** Digital-signature private key (usable after the password). */
  SIGN_KEY: '001A',
  /** Signature password: 6-16 of A-Z 0-9, 5 tries. */
  SIGN_PASSWORD: '001B',
} as const;

export type BinaryFid = typeof EF.SIGN_CERT | typeof EF.SIGN_CA_CERT | typeof EF.TOKEN_INFO | typeof EF.AVAILABILITY | typeof EF.AUTH_CERT | typeof EF.AUTH_CA_CERT;
export type KeyFid = typeof EF.AUTH_KEY | typeof EF.SIGN_KEY;
export type PinFid = typeof EF.AUTH_PIN | typeof EF.SIGN_PASSWORD;
export type Fid = BinaryFid | KeyFid | PinFid;

/** The transparent EFs that hold a certificate (DER, `30 82 LL LL`). */
export type CertificateFid = typeof EF.SIGN_CERT | typeof EF.SIGN_CA_CERT | typeof EF.AUTH_CERT | typeof EF.AUTH_CA_CERT;
export const CERTIFICATE_FIDS: readonly CertificateFid[] = [EF.SIGN_CERT, EF.SIGN_CA_CERT, EF.AUTH_CERT, EF.AUTH_CA_CERT];

export const BINARY_FIDS: readonly BinaryFid[] = [EF.SIGN_CERT, EF.SIGN_CA_CERT, EF.TOKEN_INFO, EF.AVAILABILITY, EF.AUTH_CERT, EF.AUTH_CA_CERT];
export const KEY_FIDS: readonly KeyFid[] = [EF.AUTH_KEY, EF.SIGN_KEY];
export const PIN_FIDS: readonly PinFid[] = [EF.AUTH_PIN, EF.SIGN_PASSWORD];

/** The PIN that guards each key (jpki-ap.md 7: "sign-key use requires 001B verified; auth-key use requires 0018"). */
export const KEY_PIN: Readonly<Record<KeyFid, PinFid>> = { [EF.AUTH_KEY]: EF.AUTH_PIN, [EF.SIGN_KEY]: EF.SIGN_PASSWORD };

/** The end-entity certificate of each key (its public key must be the key's), and the CA certificate above it. */
export const KEY_CERTIFICATE: Readonly<Record<KeyFid, { readonly certificate: CertificateFid; readonly ca: CertificateFid }>> = {
  [EF.AUTH_KEY]: { certificate: EF.AUTH_CERT, ca: EF.AUTH_CA_CERT },
  [EF.SIGN_KEY]: { certificate: EF.SIGN_CERT, ca: EF.SIGN_CA_CERT },
};

/** PIN and password rules (jpki-ap.md 2; OpenSC `pkcs15-jpki.c` min/max 4/4 and 6/16, tries 3/5). */
export const PIN_RULES: Readonly<Record<PinFid, { readonly pattern: RegExp; readonly maxTries: number; readonly what: string }>> = {
  [EF.AUTH_PIN]: { pattern: /^[0-9]{4}$/, maxTries: 3, what: 'user-authentication PIN (4 digits)' },
  [EF.SIGN_PASSWORD]: { pattern: /^[A-Z0-9]{6,16}$/, maxTries: 5, what: 'signature password (6-16 of A-Z 0-9)' },
};

/** EF 0006 labels (jpki-ap.md 1.1): the Individual Number Card, and the smartphone profiles. */
export const TOKEN_LABEL_CARD = 'JPKIAPICCTOKEN2';
export const TOKEN_LABEL_GP_SE = 'JPKIAPGPSETOKEN';
export const TOKEN_LABEL_IOS = 'JPKIAPIOSTOKEN';

/** EF 0008 when both certificates are present (jpki-ap.md 1.1, [1 source]). */
export const AVAILABILITY_BOTH = hex('8F8F00');

/** The largest input of the signing command: a 256-byte block minus the 11 bytes of PKCS#1 v1.5 type-1 padding. */
export const MAX_SIGN_INPUT = 245;
