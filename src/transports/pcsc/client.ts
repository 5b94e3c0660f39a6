import { withResponseCompletion } from '../completion.js';
import { PcscError } from '../errors.js';
import type { ApduTransport } from '../port.js';
import { openPcscSystem, type Disposition, type PcscConnection, type PcscReaderInfo, type PcscSystem, type ShareMode } from './binding.js';

/** Lists the readers pcscd knows, with whether a card is in each. */
export async function listReaders(system?: PcscSystem): Promise<PcscReaderInfo[]> {
  const sys = system ?? (await openPcscSystem());
  try {
    return await sys.listReaders();
  } finally {
    if (!system) sys.close();
  }
}

export interface PcscCardOptions {
  /** The reader's exact name; default: the first reader holding a card. */
  readonly reader?: string;
  /** Default `shared`, so OpenSC or another application can use the reader too. */
  readonly share?: ShareMode;
  /** A PC/SC system to use instead of the local pcscd (tests, other platforms). */
  readonly system?: PcscSystem;
}

/**
 * A card in a PC/SC reader as an `ApduTransport`: `transmit` returns complete responses (61XX and
 * 6CXX are resolved). `close()` resets the card by default, so that no PIN verification outlives the
 * session that made it.
 */
export class PcscCard implements ApduTransport {
  readonly reader: string;
  readonly atr: Uint8Array;
  readonly protocol: PcscConnection['protocol'];
  readonly #connection: PcscConnection;
  readonly #system: PcscSystem;
  readonly #ownsSystem: boolean;
  readonly #complete: ApduTransport;
  #closed = false;

  private constructor(connection: PcscConnection, system: PcscSystem, ownsSystem: boolean) {
    this.#connection = connection;
    this.#system = system;
    this.#ownsSystem = ownsSystem;
    this.reader = connection.reader;
    this.atr = connection.atr;
    this.protocol = connection.protocol;
    this.#complete = withResponseCompletion({ transmit: (c) => connection.transmit(c) });
  }

  static async connect(options: PcscCardOptions = {}): Promise<PcscCard> {
    const system = options.system ?? (await openPcscSystem());
    const owns = options.system === undefined;
    try {
      const readers = await system.listReaders();
      if (readers.length === 0) throw new PcscError('ERR_PCSC_NO_READER', 'pcscd knows no reader');
      let name = options.reader;
      if (name === undefined) {
        const withCard = readers.find((r) => r.cardPresent);
        if (!withCard) throw new PcscError('ERR_PCSC_CONNECT', `no card in any reader (${readers.map((r) => r.name).join(', ')})`);
        name = withCard.name;
      } else if (!readers.some((r) => r.name === name)) {
        throw new PcscError('ERR_PCSC_READER_NOT_FOUND', `no reader named '${name}' (have: ${readers.map((r) => r.name).join(', ')})`);
      }
      const connection = await system.connect(name, options.share ?? 'shared');
      return new PcscCard(connection, system, owns);
    } catch (err) {
      if (owns) system.close();
      throw err;
    }
  }

  async transmit(command: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) throw new PcscError('ERR_PCSC_CLOSED', 'the card connection is closed');
    return this.#complete.transmit(command);
  }

  /** SCardDisconnect with `disposition` (default `reset`), then releases the context if this opened it. */
  close(disposition: Disposition = 'reset'): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#connection.disconnect(disposition);
    } finally {
      if (this.#ownsSystem) this.#system.close();
    }
  }
}
