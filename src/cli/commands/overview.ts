import type { CliCommand } from '../command.js';
import { parse } from '../args.js';

/**
 * The overview of the system: the parties, the flows, and what this build of the project runs today.
 * It is the README's main command until the whole system starts with one command.
 */
const OVERVIEW = `jpki-mobile — Japan's smartphone JPKI electronic-certificate system, as running software

The parties (each speaks the real protocol, byte for byte):
  Individual Number Card   JPKI-AP card (AID D392F000260100000001), over PC/SC via a virtual reader
  GP secure element        GlobalPlatform SE: ISD, APSDs, SCP03, card-content management, ARA-M
  JPKI applet              keys generated inside the SE; answers like the card's JPKI-AP
  Phone and JPKI app       OMAPI with access control, push client, biometrics, NFC, factory reset
  SEI-TSM and SP-TSM       remote management of secure elements over SCP03
  JPKI service             CAs, issuance with linkage, revocation and suspension, CRL and OCSP
  Push, call centre        push messages to phones; operator console for lost phones
  Relying parties          portal, bank, convenience-store kiosk

The flows: 1 card issuance, 2 app and applet preparation, 3 issuance, 4 use, 5 PIN/password reset,
  6 new handset, 7 revocation from the phone, 8 lost phone, 9 card certificate revoked,
  10 factory reset, 11 shop counter check, 12 no signature with a revoked key.

Built so far:
  the byte-level core: BER-TLV, ISO 7816-4 APDUs and status words, AES-CMAC (RFC 4493),
    GlobalPlatform SCP03 (Amendment D v1.1.1), host side and card side, every security level;
  the JPKI certification service: signature and user-authentication CAs with key generations,
    card and phone issuance with linkage, revocation, suspension and cascade, CRL and OCSP,
    on SQLite or PostgreSQL, with a hash-chained audit log;
  the Individual Number Card: the JPKI-AP byte for byte (OpenSC reads it), PIN and password with
    tear-proof retry counters, life at the municipal office, the vpcd virtual reader and a PC/SC client;
  the push service: tokens per app instance, messages with a time to live, long-poll delivery with
    acknowledgement, and the failure modes of the real one (offline, app removed, device reset);
  the GlobalPlatform secure element: ISD and application providers' domains with SCP03, card content
    management with Authorized Management, contact and contactless interfaces, tear-proof state,
    the ARA-M and the JPKI applet;
  the SEI-TSM and SP-TSM with the relay protocol (flows 2, 3, 6-10, 12), the call centre, the phone
    (OMAPI with access control, NFC, biometrics, keystore) and the JPKI app (jpki-mobile phone/app);
  the relying-party SDK, the portal, the bank and the kiosk; a first web interface (office, portal,
    bank, kiosk, inspector) at the address 'jpki-mobile start' prints.

Run the system:   jpki-mobile start        (creates ./.jpki-mobile on first use)
Try:
  jpki-mobile tlv dump 6F108408A000000151000000A5049F6501FF
  jpki-mobile apdu parse 8050300008B13E5F938FC108C400
  jpki-mobile apdu sw 63C2
  echo 404142434445464748494A4B4C4D4E4F | jpki-mobile scp03 kcv

Run 'jpki-mobile --help' for every command; docs/ in the source tree for the architecture.
`;

export const overviewCommand: CliCommand = {
  name: 'overview',
  summary: 'print what the system is, its parties and flows, and what runs today',
  usage: 'Usage: jpki-mobile overview\n\nPrints the overview of the system (also what plain `jpki-mobile` does).\n',
  run(args, io) {
    // No arguments: anything given (a mistyped flag, a secret) is a usage error, not ignored.
    parse(args, {});
    io.out(OVERVIEW);
    return 0;
  },
};
