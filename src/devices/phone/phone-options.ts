import type { CardPort, CardStore } from '../../card/index.js';
import type { RuleEngine } from '../secure-element/ara-m/ace/index.js';
import type { FetchLike } from './network.js';
import type { PhoneState, ResetNotice } from './state.js';

/** The secure element soldered into the phone: its two interfaces (see `SeInterface`). */
export interface SecureElementPorts {
  /** What the OS reaches through OMAPI (every application, the ISD, the ARA-M). */
  readonly contact: CardPort;
  /** What the NFC controller routes a reader's field to. */
  readonly contactless: CardPort;
}

/** What the phone tells whoever watches it (the web view of "what happened inside", logs). Never a secret. */
export type PhoneEvent =
  | { readonly type: 'power'; readonly on: boolean; readonly secureElementPresent: boolean }
  | { readonly type: 'app'; readonly action: 'installed' | 'updated' | 'uninstalled'; readonly packageName: string }
  | { readonly type: 'factory-reset'; readonly notice: ResetNotice }
  | { readonly type: 'reset-handler'; readonly handler: string; readonly phase: 'reset' | 'pending'; readonly ok: boolean; readonly error?: string }
  | { readonly type: 'package-listener'; readonly packageName: string; readonly ok: false; readonly error: string };

/** What an OS component runs when an app was removed (`Phone.onPackageRemoved`). */
export type PackageRemovedListener = (packageName: string) => Promise<void> | void;

export interface PhoneOptions {
  readonly store: CardStore<PhoneState>;
  /** The hardware key (32 bytes) the keystore seals key material under (`loadOrCreateDeviceKey`). */
  readonly deviceKey: Uint8Array;
  readonly secureElement: SecureElementPorts;
  /**
   * The ARA rule model the access-control enforcer feeds; default a new `AraRuleEngine` (the ARA-M
   * module's) at every boot. A given engine is kept across boots (each boot's enforcer reloads it).
   */
  readonly ruleEngine?: RuleEngine;
  /** OMAPI reader name of the element, default `eSE1`. */
  readonly readerName?: string;
  readonly clock?: () => Date;
  readonly random?: (length: number) => Uint8Array;
  /** The network under the phone, default the global `fetch`. */
  readonly fetch?: FetchLike;
  readonly biometrics?: { readonly maxFailures?: number; readonly lockoutMs?: number };
  readonly onEvent?: (event: PhoneEvent) => void;
}
