import { PcscError } from '../errors.js';

/*
 * The PC/SC system as the client needs it, over the Node binding `smartcard` (N-API, built from source
 * against libpcsclite by node-gyp at install time; an optional dependency, so the rest of the system
 * installs and runs on a machine without libpcsclite). The binding is loaded on first use only.
 * Everything the client does goes through `PcscSystem`, so tests and other platforms can supply
 * their own.
 */

export interface PcscReaderInfo {
  readonly name: string;
  /** SCARD_STATE_PRESENT: a card is in the reader. */
  readonly cardPresent: boolean;
  /** The card's ATR as pcscd last saw it (empty when none). */
  readonly atr: Uint8Array;
}

export type Disposition = 'leave' | 'reset' | 'unpower';
export type ShareMode = 'shared' | 'exclusive';

/** One SCardConnect handle: raw exchanges, no 61XX/6CXX handling (see `withResponseCompletion`). */
export interface PcscConnection {
  readonly reader: string;
  readonly atr: Uint8Array;
  /** The protocol pcscd negotiated. */
  readonly protocol: 'T=0' | 'T=1' | 'raw';
  transmit(command: Uint8Array): Promise<Uint8Array>;
  disconnect(disposition: Disposition): void;
}

export interface PcscSystem {
  listReaders(): Promise<PcscReaderInfo[]>;
  connect(reader: string, share: ShareMode): Promise<PcscConnection>;
  /** Releases the PC/SC context (SCardReleaseContext). */
  close(): void;
}

// The parts of the `smartcard` module the client uses (its own typings are not required to build).
interface NativeCard {
  readonly protocol: number;
  readonly atr: Buffer | null;
  transmit(command: Buffer, options?: { maxRecvLength?: number }): Promise<Buffer>;
  disconnect(disposition?: number): void;
}
interface NativeReader {
  readonly name: string;
  readonly state: number;
  readonly atr: Buffer | null;
  connect(shareMode?: number, protocol?: number): Promise<NativeCard>;
}
interface NativeContext {
  listReaders(): NativeReader[];
  close(): void;
}
interface SmartcardModule {
  Context: new () => NativeContext;
  SCARD_SHARE_SHARED: number;
  SCARD_SHARE_EXCLUSIVE: number;
  SCARD_PROTOCOL_T0: number;
  SCARD_PROTOCOL_T1: number;
  SCARD_LEAVE_CARD: number;
  SCARD_RESET_CARD: number;
  SCARD_UNPOWER_CARD: number;
  SCARD_STATE_PRESENT: number;
}

/** The npm package of the binding (a variable, so that TypeScript does not need it installed). */
const BINDING = 'smartcard';

let loaded: Promise<SmartcardModule> | undefined;

async function loadBinding(): Promise<SmartcardModule> {
  loaded ??= (async () => {
    try {
      const mod = (await import(BINDING)) as SmartcardModule & { default?: SmartcardModule };
      return typeof mod.Context === 'function' ? mod : mod.default!;
    } catch (err) {
      loaded = undefined;
      throw new PcscError('ERR_PCSC_UNAVAILABLE', `the PC/SC binding '${BINDING}' is not installed or does not load (npm install needs libpcsclite-dev)`, { cause: err });
    }
  })();
  return loaded;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Opens a PC/SC context on the local pcscd. */
export async function openPcscSystem(): Promise<PcscSystem> {
  const sc = await loadBinding();
  let ctx: NativeContext;
  try {
    ctx = new sc.Context();
  } catch (err) {
    throw new PcscError('ERR_PCSC_NO_SERVICE', `cannot reach pcscd: ${message(err)}`, { cause: err });
  }
  const bytes = (b: Buffer | null): Uint8Array => (b ? new Uint8Array(b) : new Uint8Array(0));
  const dispositions: Record<Disposition, number> = { leave: sc.SCARD_LEAVE_CARD, reset: sc.SCARD_RESET_CARD, unpower: sc.SCARD_UNPOWER_CARD };
  const listNative = (): NativeReader[] => {
    try {
      return ctx.listReaders();
    } catch (err) {
      throw new PcscError('ERR_PCSC_NO_SERVICE', `SCardListReaders failed: ${message(err)}`, { cause: err });
    }
  };
  return {
    async listReaders() {
      return listNative().map((r) => ({ name: r.name, cardPresent: (r.state & sc.SCARD_STATE_PRESENT) !== 0, atr: bytes(r.atr) }));
    },
    async connect(name, share) {
      const reader = listNative().find((r) => r.name === name);
      if (!reader) throw new PcscError('ERR_PCSC_READER_NOT_FOUND', `no reader named '${name}'`);
      let card: NativeCard;
      try {
        card = await reader.connect(share === 'exclusive' ? sc.SCARD_SHARE_EXCLUSIVE : sc.SCARD_SHARE_SHARED, sc.SCARD_PROTOCOL_T0 | sc.SCARD_PROTOCOL_T1);
      } catch (err) {
        throw new PcscError('ERR_PCSC_CONNECT', `cannot connect to the card in '${name}': ${message(err)}`, { cause: err });
      }
      const protocol = card.protocol === sc.SCARD_PROTOCOL_T0 ? 'T=0' : card.protocol === sc.SCARD_PROTOCOL_T1 ? 'T=1' : 'raw';
      let open = true;
      return {
        reader: name,
        atr: bytes(card.atr ?? reader.atr),
        protocol,
        async transmit(command) {
          if (!open) throw new PcscError('ERR_PCSC_CLOSED', 'the connection is closed');
          try {
            // Room for an extended-length response (65536 data bytes + SW1 SW2).
            return new Uint8Array(await card.transmit(Buffer.from(command), { maxRecvLength: 65538 }));
          } catch (err) {
            throw new PcscError('ERR_PCSC_TRANSMIT', `SCardTransmit failed: ${message(err)}`, { cause: err });
          }
        },
        disconnect(disposition) {
          if (!open) return;
          open = false;
          card.disconnect(dispositions[disposition]);
        },
      };
    },
    close() {
      ctx.close();
    },
  };
}
