/*
 * The JPKI application on the Individual Number Card (shared/docs/protocols/jpki-ap.md section 1;
 * OpenSC `jpki.h`, jpki/myna `src/jpki.rs`).
 */

/** JPKI-AP DF name. */
export const JPKI_AID = Uint8Array.of(0xd3, 0x92, 0xf0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01);

export type CertificateName = 'auth' | 'sign' | 'authCa' | 'signCa';
export type SecretName = 'pin' | 'password';
export type KeyName = 'auth' | 'sign';

/** EF 000A user-authentication certificate, 0001 signature certificate (after the password), 000B/0002 their CAs. */
export const CERTIFICATE_EF: Readonly<Record<CertificateName, number>> = { auth: 0x000a, sign: 0x0001, authCa: 0x000b, signCa: 0x0002 };
/** EF 0018 user-authentication PIN (4 digits, 3 tries), 001B signature password (6-16 of A-Z 0-9, 5 tries). */
export const SECRET_EF: Readonly<Record<SecretName, number>> = { pin: 0x0018, password: 0x001b };
export const MAX_TRIES: Readonly<Record<SecretName, number>> = { pin: 3, password: 5 };
/** EF 0017 user-authentication key (after the PIN), 001A signature key (after the password). */
export const KEY_EF: Readonly<Record<KeyName, number>> = { auth: 0x0017, sign: 0x001a };
/** EF 0006 token information: the first 32 bytes are the space-padded label. */
export const TOKEN_INFO_EF = 0x0006;
