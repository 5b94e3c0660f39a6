import { SW, throwSw } from '../../apdu/index.js';
import { fromHex, hex, uintBE } from '../../bytes/index.js';
import { encodeTlv, tlv } from '../../tlv/index.js';
import { SCP03_I } from './constants.js';
import { keyInformationTemplate } from './key-sets.js';
import { defaultKeySet, ISD_HEX } from './registry.js';
import type { ApplicationEntry, DomainData, SeState } from './state.js';

/*
 * GET DATA, GP Card Spec 11.3: P1 P2 name the data object. With a GlobalPlatform class the response
 * is the whole TLV, with an ISO class only its value (11.3.3.1). '6A88' for anything else.
 */

/** The object identifiers of Card Recognition Data (GP Card Spec Appendix H.2, Table H-1). */
const OID = {
  /** {globalPlatform 1}: Card Recognition Data. */
  GP: hex('2A864886FC6B01'),
  /** {globalPlatform 2 v}: Card Management Type and Version, GP Card Spec 2.3.1. */
  VERSION: hex('2A864886FC6B02020301'),
  /** {globalPlatform 3}: Card Identification Scheme. */
  ID_SCHEME: hex('2A864886FC6B03'),
  /** {globalPlatform 4 scp i}: SCP03 with i = '70'. */
  SCP03: Uint8Array.of(...hex('2A864886FC6B0403'), SCP03_I),
};

/**
 * Card Data ('66', the ISD) or Security Domain Management Data (the same structure for a
 * supplementary domain): '73' with the OIDs of Card Recognition Data, GP 2.3.1, the identification
 * scheme and SCP03 i='70'. Also sent in no FCI (the '73' of Table 11-82 is optional).
 */
export function cardRecognitionData(): Uint8Array {
  return encodeTlv(
    tlv(0x66, [
      tlv(0x73, [
        tlv(0x06, OID.GP),
        tlv(0x60, [tlv(0x06, OID.VERSION)]),
        tlv(0x63, [tlv(0x06, OID.ID_SCHEME)]),
        tlv(0x64, [tlv(0x06, OID.SCP03)]),
      ]),
    ]),
  );
}

/** The tags a domain answers, for the docs and tests. */
export const GET_DATA_TAGS = [0x42, 0x45, 0x66, 0xe0, 0xc1, 0xcf, 0x9f7f] as const;

/**
 * The data object `tag` of a domain, as a whole TLV:
 * '42' IIN (ISD) or Security Domain Provider Identification Number, '45' CIN or Security Domain Image
 * Number (set by STORE DATA), '66' card / domain management data, 'E0' key information, 'C1' the
 * sequence counter of the default key set (11.3.2.1), '00CF' key diversification data and '9F7F'
 * CPLC (the ISD; read by GlobalPlatformPro).
 */
export function dataObject(state: SeState, domain: ApplicationEntry & { domain: DomainData }, tag: number): Uint8Array {
  const isd = domain.aid === ISD_HEX;
  const notFound = (): never => throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no data object ${tag.toString(16)}`);
  switch (tag) {
    case 0x42: {
      const v = isd ? state.card.iin : domain.domain.providerId;
      return v === undefined ? notFound() : encodeTlv(tlv(0x42, fromHex(v)));
    }
    case 0x45: {
      const v = isd ? state.card.cin : domain.domain.imageNumber;
      return v === undefined ? notFound() : encodeTlv(tlv(0x45, fromHex(v)));
    }
    case 0x66:
      return cardRecognitionData();
    case 0xe0:
      return keyInformationTemplate(domain.domain);
    case 0xc1: {
      const k = defaultKeySet(domain.domain);
      return k ? encodeTlv(tlv(0xc1, uintBE(k.counter, 3))) : notFound();
    }
    case 0xcf:
      return encodeTlv(tlv(0xcf, fromHex(state.card.kdd)));
    case 0x9f7f:
      return isd ? encodeTlv(tlv(0x9f7f, fromHex(state.card.cplc))) : notFound();
    default:
      return notFound();
  }
}
