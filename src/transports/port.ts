/**
 * The ports of the transport layer (style rule 9: transports are ports, behaviour is added by decorating
 * them). Two directions meet here:
 *
 * - `ApduTransport` is the host's way to a card: command APDU bytes in, response APDU bytes (data +
 *   SW1 SW2) out. A PC/SC reader, an in-process card and a traced or secure-messaging wrapper all have
 *   this shape, so host code (the JPKI-AP client, a TSM) cannot tell them apart.
 * - `CardPort` (from the card runtime, `src/card/port.ts`) is the card's side of a reader: its ATR, the
 *   power contacts and the APDU entry. The vpcd bridge drives a `CardPort`; the CLI connects it to the
 *   Individual Number Card (transports may not import devices, which sit at the same rank).
 */
export type { CardPort } from '../card/index.js';

/** Host side: one command APDU in, one complete response APDU out. */
export interface ApduTransport {
  transmit(command: Uint8Array): Promise<Uint8Array>;
}
