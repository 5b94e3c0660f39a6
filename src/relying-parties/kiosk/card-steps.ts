import { StatusWordError } from '../../apdu/index.js';
import type { LoginChallenge } from '../../sdk/index.js';
import { JpkiApError, PcscError, type JpkiApClient } from '../../transports/index.js';
import { KioskError } from './errors.js';

/*
 * What the kiosk does with the card or phone on its reader, in the APDUs of the JPKI-AP (jpki-ap.md
 * 1.2, through the JPKI-AP client): SELECT the AP D392F000260100000001, READ BINARY of the token
 * information (EF 0006), VERIFY without data for the PIN's tries left, VERIFY the PIN, READ BINARY of
 * the user-authentication certificate (EF 000A; a phone's applet opens it only after the PIN, so the
 * kiosk reads it then for both), and the signature of the kiosk's challenge with the authentication
 * key (`80 2A 00 80` on EF 0017). A phone answers the same APDUs as the card; only the label differs.
 */

export type Holder = 'card' | 'phone';

/**
 * Token labels (the first 32 bytes of EF 0006, space-padded; jpki-ap.md 1.1 and 3.4, jpki/myna) and
 * what holds the JPKI-AP: the Individual Number Card, or a phone (the GP-SE applet; an iPhone).
 */
export const TOKEN_LABELS: Readonly<Record<string, Holder>> = { JPKIAPICCTOKEN2: 'card', JPKIAPGPSETOKEN: 'phone', JPKIAPIOSTOKEN: 'phone' };

/** A card fault as the kiosk reports it: the card went away, or answered a status word it should not have. */
export function cardFault(err: unknown): unknown {
  if (err instanceof KioskError) return err;
  if (err instanceof PcscError) return new KioskError('ERR_KIOSK_CARD_LOST', 'the card or phone left the reader', { cause: err });
  if (err instanceof StatusWordError) return new KioskError('ERR_KIOSK_CARD_ERROR', `the card answered ${err.sw.toString(16).toUpperCase().padStart(4, '0')}`, { cause: err, sw: err.sw });
  if (err instanceof JpkiApError) return new KioskError('ERR_KIOSK_CARD_ERROR', err.message, { cause: err, ...(err.sw === undefined ? {} : { sw: err.sw }) });
  return err;
}

async function step<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw cardFault(err);
  }
}

export interface Identified {
  readonly holder: Holder;
  readonly tokenLabel: string;
  /** Tries the PIN has left (3 when untouched). */
  readonly triesLeft: number;
}

/** SELECT the JPKI-AP, read the token label, ask the PIN's tries left. Refuses a blocked PIN. */
export async function identify(client: JpkiApClient): Promise<Identified> {
  try {
    await client.selectAp();
  } catch (err) {
    if (err instanceof StatusWordError && (err.sw === 0x6a82 || err.sw === 0x6a86 || err.sw === 0x6d00 || err.sw === 0x6e00)) {
      throw new KioskError('ERR_KIOSK_NOT_JPKI', 'no JPKI application here: hold an Individual Number Card or a phone with JPKI', { cause: err, sw: err.sw });
    }
    throw cardFault(err);
  }
  const tokenLabel = await step(() => client.tokenLabel());
  const holder = Object.hasOwn(TOKEN_LABELS, tokenLabel) ? TOKEN_LABELS[tokenLabel] : undefined;
  if (holder === undefined) throw new KioskError('ERR_KIOSK_TOKEN_UNKNOWN', `an unknown JPKI token '${tokenLabel.slice(0, 32)}'`);
  const tries = await step(() => client.triesLeft('pin'));
  if (tries === 0) throw new KioskError('ERR_KIOSK_PIN_BLOCKED', 'the PIN is blocked: the municipal office can reset it', { triesLeft: 0 });
  return { holder, tokenLabel, triesLeft: tries ?? 3 };
}

/**
 * VERIFY the PIN. A wrong one is `ERR_KIOSK_PIN_INCORRECT` with the tries left (0: now blocked, and
 * `ERR_KIOSK_PIN_BLOCKED`); a value that is not 4 digits is refused before it is sent (no try lost).
 */
export async function verifyPin(client: JpkiApClient, pin: string): Promise<void> {
  if (!/^[0-9]{4}$/.test(pin)) throw new KioskError('ERR_KIOSK_PIN_FORMAT', 'the PIN is 4 digits');
  try {
    await client.verify('pin', pin);
  } catch (err) {
    if (err instanceof JpkiApError && err.code === 'ERR_JPKI_AP_PIN_INCORRECT') {
      const left = err.triesLeft ?? 0;
      if (left === 0) throw new KioskError('ERR_KIOSK_PIN_BLOCKED', 'wrong PIN: it is now blocked; the municipal office can reset it', { cause: err, triesLeft: 0 });
      throw new KioskError('ERR_KIOSK_PIN_INCORRECT', `wrong PIN: ${left} ${left === 1 ? 'try' : 'tries'} left`, { cause: err, triesLeft: left });
    }
    if (err instanceof JpkiApError && err.code === 'ERR_JPKI_AP_PIN_BLOCKED') throw new KioskError('ERR_KIOSK_PIN_BLOCKED', 'the PIN is blocked', { cause: err, triesLeft: 0 });
    throw cardFault(err);
  }
}

/** After the PIN: the user-authentication certificate and the signature over the challenge. */
export async function authenticate(client: JpkiApClient, challenge: LoginChallenge): Promise<{ certificate: Uint8Array; signature: Uint8Array }> {
  const certificate = await step(() => client.readCertificate('auth'));
  const signature = await step(() => client.sign('auth', challenge.digestInfo));
  return { certificate, signature };
}
