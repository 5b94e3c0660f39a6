import { hex } from '../../bytes/index.js';

/** The Issuer Security Domain, GP Card Spec (GPPro: the GlobalPlatform ISD AID of current cards). */
export const ISD_AID = hex('A000000151000000');

/**
 * The Security Domain creation package and module (GlobalPlatformPro README: `A0000001515350` /
 * `A000000151535041`): INSTALL [for install and make selectable] of this module creates a
 * supplementary security domain. The element has it from creation (GP Card Spec 5.4: an Executable
 * Load File in immutable memory).
 */
export const SSD_PACKAGE_AID = hex('A0000001515350');
export const SSD_MODULE_AID = hex('A000000151535041');

/** The ARA-M (GP SEAC; AOSP `AraController.ARA_M_AID`): never reachable on the contactless interface. */
export const ARA_M_AID = hex('A00000015141434C00');

/** GP Card Spec Table 11-3: the only Executable Load File state. */
export const LOADED = 0x01;

/** GP Card Spec Table 11-4 / 11-5: application and security domain life cycle states. */
export const AppLifeCycle = {
  INSTALLED: 0x03,
  SELECTABLE: 0x07,
  /** Security domains; for applications an application-specific state. */
  PERSONALIZED: 0x0f,
  /** b8: LOCKED; the low bits keep the state to return to. */
  LOCKED_BIT: 0x80,
} as const;

/** GP Card Spec Table 11-6: the card life cycle, inherited by the ISD. */
export const CardLifeCycle = {
  OP_READY: 0x01,
  INITIALIZED: 0x07,
  SECURED: 0x0f,
  CARD_LOCKED: 0x7f,
  TERMINATED: 0xff,
} as const;

/**
 * Communication Interface Identifier, GP Amendment C Table 5-2: b8 contact-based, b7
 * proximity-based (contactless). The "Communication Interface Access per Instance" install parameter
 * (Amendment C 5.2, tag '82' in 'A5' in 'A0' in 'EF') carries it.
 */
export const InterfaceBit = {
  CONTACT: 0x80,
  CONTACTLESS: 0x40,
} as const;

/** The historical bytes of both interfaces: "JPKI-SE v1". */
export const HISTORICAL_BYTES = hex('4A504B492D5345207631');

/** Maximum length of the data field of a command, announced in the FCI ('9F65', GP Table 11-82). */
export const MAX_COMMAND_DATA = 0xff;

/** The largest load file the element accepts (LOAD blocks are kept in memory until the last one). */
export const MAX_LOAD_FILE = 0x8000;

/** Key sets a security domain may hold ('6A84' beyond). */
export const MAX_KEY_SETS = 8;

/** The "i" parameter of every SCP03 key set of the element (Amendment D Table 5-1): pseudo-random challenge, R-MAC, R-ENC. */
export const SCP03_I = 0x70;

/** The first key version number of the ISD's keys (GlobalPlatformPro's default). */
export const ISD_KVN = 0x30;
