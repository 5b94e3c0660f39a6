/**
 * The form a certificate EF must have: DER of 256..65539 bytes with a `30 82 LL LL` header, because
 * OpenSC reads 4 bytes and computes the file size as `LLLL + 4` (jpki-ap.md 6.3, 6.4).
 */
export function isLongFormCertificate(der: Uint8Array): boolean {
  return der.length >= 256 && der.length <= 65535 + 4 && der[0] === 0x30 && der[1] === 0x82 && der[2]! * 256 + der[3]! + 4 === der.length;
}
