import { concat, uintBE } from '../../../bytes/index.js';
import { JpkiAppletError } from './errors.js';

/**
 * EF 0006, token information (jpki-ap.md 1.1, [1 source]): 160 bytes laid out as PKCS#11 `CK_TOKEN_INFO`
 * with 32-bit big-endian `CK_ULONG`s:
 *
 *     label[32] manufacturerID[32] model[16] serialNumber[16]    blank-padded ASCII
 *     flags
 *     ulMaxSessionCount ulSessionCount ulMaxRwSessionCount ulRwSessionCount
 *     ulMaxPinLen ulMinPinLen
 *     ulTotalPublicMemory ulFreePublicMemory ulTotalPrivateMemory ulFreePrivateMemory
 *     hardwareVersion[2] firmwareVersion[2]                       ASCII "03", "01" as observed
 *     utcTime[16]                                                 blank: no clock on the token
 *
 * Readers use only the label (jpki/myna reads 0x20 bytes). The manufacturer and model say what this is
 * — an emulation — rather than copying J-LIS's values.
 */
export interface TokenInfoParams {
  /** e.g. `JPKIAPICCTOKEN2`, `JPKIAPGPSETOKEN`. */
  readonly label: string;
  /** 16 printable ASCII characters at most. */
  readonly serialNumber: string;
  readonly manufacturer?: string;
  readonly model?: string;
}

export const TOKEN_INFO_LENGTH = 160;

// CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED
const FLAGS = 0x0000040d;
const UNAVAILABLE = 0xffffffff; // CK_UNAVAILABLE_INFORMATION

function ascii(text: string, size: number): Uint8Array {
  if (!/^[\x20-\x7e]*$/.test(text) || text.length > size) throw new JpkiAppletError('ERR_JPKI_TOKEN_INFO', `token info field '${text}' is not printable ASCII of at most ${size} characters`);
  return new TextEncoder().encode(text.padEnd(size, ' '));
}

export function tokenInfo(p: TokenInfoParams): Uint8Array {
  const ulong = (n: number) => uintBE(n, 4);
  return concat(
    ascii(p.label, 32),
    ascii(p.manufacturer ?? 'jpki-mobile', 32),
    ascii(p.model ?? 'emulated card', 16),
    ascii(p.serialNumber, 16),
    ulong(FLAGS),
    ulong(0), // ulMaxSessionCount: CK_EFFECTIVELY_INFINITE
    ulong(UNAVAILABLE),
    ulong(0),
    ulong(UNAVAILABLE),
    ulong(16), // ulMaxPinLen (the password)
    ulong(4), // ulMinPinLen (the PIN)
    ulong(UNAVAILABLE),
    ulong(UNAVAILABLE),
    ulong(UNAVAILABLE),
    ulong(UNAVAILABLE),
    ascii('03', 2),
    ascii('01', 2),
    ascii('', 16),
  );
}

/** The label of an EF 0006 content: its first 32 bytes without the blank padding. */
export function tokenLabel(content: Uint8Array): string {
  return new TextDecoder('latin1').decode(content.subarray(0, 32)).replace(/ +$/, '');
}
