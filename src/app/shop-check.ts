import { parseResponse } from '../apdu/index.js';
import type { CardPort } from '../card/index.js';
import { RelyingPartyError, type RelyingParty } from '../sdk/index.js';
import { JPKI_AID, JpkiApClient, JpkiApError } from '../transports/jpki-ap/index.js';
import { concat } from '../bytes/index.js';

/**
 * Flow 11, the shop counter check (flows.md 11; the seed's countermeasure 3), on the shop terminal's
 * side: its NFC reader meets the phone's contactless interface (`phone.nfc`), selects the JPKI AID, and
 *
 * - no answer (`6A82`, or no card in the field): **clean**;
 * - an answer: reads the token label and EF 0008 (which keys have their certificate); with the holder's
 *   PIN typed on the terminal, reads the user-authentication certificate (the phone's applet gives EF
 *   000A only after the PIN) and asks its status by OCSP (CRL fallback) through the relying-party SDK:
 *   **certificates present (valid)** or **certificates present (revoked)**; without the PIN, or when the
 *   status cannot be had, **certificates present (status unknown)**.
 *
 * The shop then resets the handset (flow 10) and checks again.
 */
export type ShopVerdict = 'clean' | 'certificates present (valid)' | 'certificates present (revoked)' | 'certificates present (status unknown)';

export interface ShopReport {
  readonly verdict: ShopVerdict;
  readonly tokenLabel?: string;
  /** From EF 0008: signature and user-authentication key usable with their certificate. */
  readonly keys?: { readonly sign: boolean; readonly auth: boolean };
  readonly authSerial?: string;
  /** Why the status is what it is (an SDK code for revoked/suspended/unknown). */
  readonly reason?: string;
}

export async function shopCheck(port: CardPort, options: { relyingParty: RelyingParty; pin?: string }): Promise<ShopReport> {
  try {
    if (!port.powered) await port.powerOn();
  } catch {
    return { verdict: 'clean', reason: 'no card in the field' };
  }
  const select = parseResponse(await port.transmit(concat(Uint8Array.of(0x00, 0xa4, 0x04, 0x0c, JPKI_AID.length), JPKI_AID)));
  if (select.sw !== 0x9000) return { verdict: 'clean' };
  const client = new JpkiApClient({ transmit: (c) => port.transmit(c) });
  const tokenLabel = await client.tokenLabel();
  // EF 0008 (3 bytes): 8F when the signature (byte 1) / user-authentication (byte 2) key is usable with its certificate.
  await port.transmit(Uint8Array.of(0x00, 0xa4, 0x02, 0x0c, 0x02, 0x00, 0x08));
  const status = parseResponse(await port.transmit(Uint8Array.of(0x00, 0xb0, 0x00, 0x00, 0x03)));
  const keys = status.sw === 0x9000 && status.data.length === 3 ? { sign: status.data[0] === 0x8f, auth: status.data[1] === 0x8f } : { sign: false, auth: false };
  if (!keys.sign && !keys.auth) return { verdict: 'clean', tokenLabel, keys, reason: 'the applet holds no certificate' };
  if (options.pin === undefined) return { verdict: 'certificates present (status unknown)', tokenLabel, keys, reason: "the holder's PIN is needed to read the certificate" };
  let certificate: Uint8Array;
  try {
    await client.verify('pin', options.pin);
    certificate = await client.readCertificate('auth');
  } catch (err) {
    return { verdict: 'certificates present (status unknown)', tokenLabel, keys, reason: err instanceof JpkiApError ? err.code : 'the certificate could not be read' };
  }
  try {
    const v = await options.relyingParty.verifyCertificate({ certificate, use: 'login' });
    return { verdict: 'certificates present (valid)', tokenLabel, keys, authSerial: v.certificate.serialNumber };
  } catch (err) {
    if (err instanceof RelyingPartyError && (err.code === 'ERR_RP_CERT_REVOKED' || err.code === 'ERR_RP_CERT_SUSPENDED' || err.code === 'ERR_RP_CERT_EXPIRED')) {
      return { verdict: 'certificates present (revoked)', tokenLabel, keys, reason: err.code };
    }
    if (err instanceof RelyingPartyError) return { verdict: 'certificates present (status unknown)', tokenLabel, keys, reason: err.code };
    throw err;
  }
}
