import { VpcdError } from '../errors.js';

/*
 * vpcd → card payloads of length 1 are control codes (vsmartcard `vpcd.h`: VPCD_CTRL_OFF 0,
 * VPCD_CTRL_ON 1, VPCD_CTRL_RESET 2, VPCD_CTRL_ATR 4). The first three get no reply; get-ATR gets one
 * frame holding the ATR. vpcd polls with get-ATR about every 0.4 s to see whether the card is there.
 * Every longer payload is a command APDU.
 */
export const VPCD_POWER_OFF = 0x00;
export const VPCD_POWER_ON = 0x01;
export const VPCD_RESET = 0x02;
export const VPCD_GET_ATR = 0x04;

export type VpcdMessage =
  | { readonly kind: 'power-off' }
  | { readonly kind: 'power-on' }
  | { readonly kind: 'reset' }
  | { readonly kind: 'get-atr' }
  | { readonly kind: 'apdu'; readonly command: Uint8Array };

/** What a payload from vpcd asks for; an unknown one-byte code is a protocol error. */
export function classify(payload: Uint8Array): VpcdMessage {
  if (payload.length !== 1) return { kind: 'apdu', command: payload };
  switch (payload[0]) {
    case VPCD_POWER_OFF:
      return { kind: 'power-off' };
    case VPCD_POWER_ON:
      return { kind: 'power-on' };
    case VPCD_RESET:
      return { kind: 'reset' };
    case VPCD_GET_ATR:
      return { kind: 'get-atr' };
    default:
      throw new VpcdError('ERR_VPCD_CONTROL_UNKNOWN', `unknown vpcd control code ${payload[0]!.toString(16).padStart(2, '0')}`);
  }
}

/** Parses `HOST:PORT` (`[::1]:35963` for IPv6). */
export function parseVpcdAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new VpcdError('ERR_VPCD_ADDRESS', `'${text}' is not HOST:PORT (e.g. 127.0.0.1:35963)`);
  }
  return { host: (m[1] ?? m[2])!, port };
}
