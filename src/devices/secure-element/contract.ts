import type { CommandApdu, ResponseApdu } from '../../apdu/index.js';
import type { Applet, AppletContext, AppletResult } from '../../card/index.js';

/**
 * The contract between the GlobalPlatform secure element (its runtime, registry and security
 * domains) and the applications it runs (ARA-M, the JPKI applet). The applets are code in this
 * project, named by the element's load-file catalogue; an instance exists once INSTALL [for install]
 * created it, and its persistent data lives in the element's one state document.
 */

/**
 * The two interfaces of the element: `contact` is what the phone's OS reaches (every application, the
 * ISD, ARA-M); `contactless` is what an NFC reader reaches (only applications made available for
 * contactless, here the JPKI applet).
 */
export type SeInterface = 'contact' | 'contactless';

export interface SeAppletContext extends AppletContext {
  /** The interface the command came in on. */
  readonly iface: SeInterface;
}

/**
 * The secure channel service of the security domain an application is associated with, as GP's Java
 * Card API gives it (`org.globalplatform.SecureChannel`, GP Card Spec 10.7): one instance per
 * selection of the application on a logical channel, with the domain's key sets. It runs SCP03's card
 * side: the sequence counter is incremented and saved (durably) before it is used.
 *
 * Errors are `StatusWordError`s (SCP03 errors carry their status word): after a wrong MAC or too
 * little protection the session is aborted (Amendment D 5.6) and every later `unwrap` fails with
 * '6982' until `processSecurity` sees a new INITIALIZE UPDATE or the selection ends.
 */
export interface SecureChannel {
  /** INITIALIZE UPDATE ('50') or EXTERNAL AUTHENTICATE ('82'): the whole response to send back. */
  processSecurity(command: CommandApdu): Promise<ResponseApdu>;
  /** Verifies and deciphers a command at the current level; a command passes as is with no session. */
  unwrap(command: CommandApdu): CommandApdu;
  /** Protects the response to the last unwrapped command (R-MAC/R-ENC as the level says). */
  wrap(response: ResponseApdu): ResponseApdu;
  /** Current Security Level includes AUTHENTICATED (GP Card Spec Table 11-2 minimum level). */
  readonly authenticated: boolean;
  /** The level bits of the open session (`undefined` when none is open). */
  readonly level: number | undefined;
  /** Deciphers sensitive data with the session key set's Key-DEK (AES-CBC, zero ICV; Amendment D 6.2.8). */
  decryptSensitive(data: Uint8Array): Uint8Array;
  /** Ends the session (selection ended, reset, power-off, or the application asks). */
  terminate(): void;
}

/**
 * What the element gives an application instance. Persistent data is a JSON-serialisable document of
 * the application's own (`data`), read and changed within the transaction of the current command:
 * the element saves every change once the command ends with a success or warning status word
 * ('9000', '61xx', '62xx', '63xx') and discards it otherwise, so an APDU is atomic. `commit` makes the
 * changes so far durable before the command goes on (a retry counter decremented before a PIN is
 * compared).
 */
export interface SeAppletHost<D = unknown> {
  /** The instance AID. */
  readonly aid: Uint8Array;
  /** The application's persistent data as of the current transaction (do not mutate; use `update`). */
  readonly data: D;
  /** Changes the persistent data within the current transaction. */
  update(change: (draft: D) => void): void;
  /** Saves the transaction so far, durably, before going on. */
  commit(): Promise<void>;
  /** The application's life cycle state (GP Card Spec 11.1.1: 07 SELECTABLE, 0F PERSONALIZED, …). */
  readonly lifeCycle: number;
  /**
   * Moves the application to an application-specific life cycle state (b8 clear, b2b1 = 11, i.e. `07`
   * to `7F`); SELECTABLE → anything else is one-way, as GP says.
   */
  setLifeCycle(state: number): void;
  /** A new secure channel with the associated security domain's keys, for this selection. */
  openSecureChannel(): SecureChannel;
  /** Random bytes (the element's RNG). */
  random(length: number): Uint8Array;
}

/**
 * An application instance on the element. `process` gets the commands of its selections (the user
 * interface); `personalize`, if present, gets each STORE DATA that the associated security domain
 * forwards after INSTALL [for personalization] (GP Card Spec 11.11.2.2), already verified and
 * deciphered by the domain's secure channel; what it returns is wrapped by that channel, so response
 * data (a public key generated inside) travels under the response MAC.
 */
export interface SeApplet extends Applet {
  select(ctx: SeAppletContext): Uint8Array | undefined | void | Promise<Uint8Array | undefined | void>;
  process(command: CommandApdu, ctx: SeAppletContext): AppletResult | Promise<AppletResult>;
  deselect(ctx: SeAppletContext): void | Promise<void>;
  personalize?(command: CommandApdu): AppletResult | Promise<AppletResult>;
}

/**
 * A module of a load file: the code that creates an application instance. `initialData` is the
 * instance's persistent data at INSTALL [for install], from the install parameters (`C9` content).
 */
export interface AppletModule<D = unknown> {
  /** Module (class) AID, 5..16 bytes. */
  readonly aid: Uint8Array;
  readonly name: string;
  /** Checks the application-specific install parameters and returns the initial data ('6A80' when bad). */
  initialData(installParameters: Uint8Array): D;
  /** Creates the running instance over its host (called at install and whenever the element loads its state). */
  create(host: SeAppletHost<D>): SeApplet;
}

/**
 * A load file the element can run: its AID, version and modules. LOAD carries a load file naming the
 * package (see the element's load-file format); the element refuses an unknown package or a hash
 * that differs from the catalogue's.
 */
export interface AppletPackage {
  /** Executable Load File AID, 5..16 bytes. */
  readonly aid: Uint8Array;
  readonly name: string;
  /** Major, minor. */
  readonly version: readonly [number, number];
  readonly modules: readonly AppletModule[];
}
