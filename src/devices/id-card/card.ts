import { fromHex } from '../../bytes/index.js';
import { CardRuntime, type CardLogger, type CardPort, type CardStore } from '../../card/index.js';
import { JpkiApplet, type JpkiAppletOptions } from './jpki-applet.js';
import { parseIdCardState, type IdCardState } from './state.js';

export interface IdCardOptions {
  readonly logger?: CardLogger;
  readonly applet?: JpkiAppletOptions;
}

/**
 * The Individual Number Card (マイナンバーカード) with its JPKI-AP, behind the card port: a reader
 * (the vpcd bridge, a test) powers it and transmits APDUs. It runs on the basic channel only: the
 * middleware that reads it (OpenSC, jpki/myna) never opens a logical channel, so MANAGE CHANNEL and
 * any other channel answer '6881'. After power-on no application is selected (the AP must be selected
 * by its DF name, as every reader does).
 */
export class IdCard implements CardPort {
  readonly runtime: CardRuntime;
  readonly applet: JpkiApplet;

  constructor(state: IdCardState, store: CardStore<IdCardState>, options: IdCardOptions = {}) {
    const checked = parseIdCardState(state);
    this.applet = new JpkiApplet(checked, store, options.applet);
    this.runtime = new CardRuntime({
      atr: fromHex(checked.atr),
      applets: [this.applet],
      logicalChannels: 1,
      ...(options.logger ? { logger: options.logger } : {}),
    });
  }

  /** Loads and checks the card document from its store (`ERR_ID_CARD_STATE` if it is not a card). */
  static async open(store: CardStore<IdCardState>, options: IdCardOptions = {}): Promise<IdCard> {
    return new IdCard(parseIdCardState(await store.load()), store, options);
  }

  /** The card's non-volatile state as last saved. */
  get state(): IdCardState {
    return this.applet.state;
  }

  get atr(): Uint8Array {
    return this.runtime.atr;
  }

  get powered(): boolean {
    return this.runtime.powered;
  }

  powerOn(): Promise<Uint8Array> {
    return this.runtime.powerOn();
  }

  powerOff(): Promise<void> {
    return this.runtime.powerOff();
  }

  reset(): Promise<Uint8Array> {
    return this.runtime.reset();
  }

  transmit(command: Uint8Array): Promise<Uint8Array> {
    return this.runtime.transmit(command);
  }
}
