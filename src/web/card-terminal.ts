import { JpkiApClient, JpkiApError, type KeyName } from '../transports/index.js';
import { HttpProblem } from '../services/http/index.js';
import type { CardShelf } from './card-shelf.js';

export interface CardSignature {
  /** The certificate of the key that signed (EF 000A user authentication, EF 0001 signature), DER. */
  readonly certificate: Uint8Array;
  /** RSASSA-PKCS1-v1_5 over the DigestInfo, as the card computed it (256 bytes). */
  readonly signature: Uint8Array;
}

/**
 * The card on a reader at the holder's side: what a holder's PC with a card reader (or the phone's
 * NFC) does for a relying party, in the card's own APDUs through the JPKI-AP host client (jpki-ap.md
 * 1.2): SELECT the AP, VERIFY the PIN (`auth`, EF 0018) or the signature password (`sign`, EF 001B),
 * COMPUTE DIGITAL SIGNATURE `80 2A 00 80` over the party's DigestInfo on the matching key EF, READ
 * BINARY the certificate. One card session: the verification does not outlive it.
 *
 * A wrong secret becomes 403 with `triesLeft` (the screen shows it); a blocked one 403 with 0.
 */
export async function signOnCard(shelf: CardShelf, id: string, key: KeyName, secret: string, digestInfo: Uint8Array): Promise<CardSignature> {
  const which = key === 'auth' ? 'pin' : 'password';
  try {
    return await shelf.onReader(id, async (card) => {
      const client = new JpkiApClient(card);
      await client.selectAp();
      await client.verify(which, secret);
      const signature = await client.sign(key, digestInfo);
      const certificate = await client.readCertificate(key);
      return { certificate, signature };
    });
  } catch (err) {
    if (err instanceof JpkiApError) {
      const status = err.code === 'ERR_JPKI_AP_PIN_INCORRECT' || err.code === 'ERR_JPKI_AP_PIN_BLOCKED' ? 403 : 400;
      throw new HttpProblem(status, err.code, err.message, { cause: err, ...(err.triesLeft !== undefined ? { extensions: { triesLeft: err.triesLeft } } : {}) });
    }
    throw err;
  }
}
