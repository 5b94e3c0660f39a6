import { StatusWordError, SW, throwSw, type CommandApdu, type ResponseApdu } from '../../../apdu/index.js';
import type { AppletResult } from '../../../card/index.js';
import { toHex } from '../../../bytes/index.js';
import { LevelBit, Scp03Error } from '../../../crypto/scp03/index.js';
import type { SeApplet, SeAppletContext, SeAppletHost, SecureChannel } from '../contract.js';
import { getData, responseCapacity, type PendingAnswer } from './get-data.js';
import { parseAraMData, type AraMContents, type AraMData } from './state.js';
import { storeData, type BlockChain, type StoreDataContext } from './store-data.js';

const INS_INITIALIZE_UPDATE = 0x50;
const INS_EXTERNAL_AUTHENTICATE = 0x82;
const INS_GET_DATA = 0xca;
const INS_STORE_DATA = 0xe2;

/** Transient state of one selection of the ARA-M on a logical channel (cleared on deselect and power loss). */
interface Selection {
  readonly channel: SecureChannel;
  chain: BlockChain | undefined;
  pending: PendingAnswer | undefined;
}

/**
 * The ARA-M (GP SE Access Control, Access Rule Application Master; digest gp-scp03.md 4), one
 * instance on the element, over its host:
 *
 * - SELECT: no FCI (as [GP-ARA]'s applet), and a new secure channel of the associated security
 *   domain for this selection (`host.openSecureChannel()`).
 * - INITIALIZE UPDATE `80 50` and EXTERNAL AUTHENTICATE `84 82` go to that channel's
 *   `processSecurity`; every other command is unwrapped first (verified, deciphered) and its answer
 *   wrapped (R-MAC, R-ENC) at the session's level. A secure-messaging class without a session: '6982'.
 * - GET DATA `80 CA` works on a plain channel, as the enforcer reads it (see get-data.ts).
 * - STORE DATA `80 E2` only in a session opened with the owner's keys: AUTHENTICATED with at least
 *   C-MAC, '6982' otherwise (see store-data.ts). The same payloads come through `personalize` when the
 *   security domain forwards them after INSTALL [for personalization].
 * - Class: '6E00' for an interindustry class, '6884' for command chaining; an unknown INS '6D00'.
 *
 * Persistent data (the rules as canonical TLV, the refresh tag) changes only through `host.update`;
 * the element keeps the change when the command ends '9000'/'63xx' and drops it otherwise.
 */
export class AraMApplet implements SeApplet {
  readonly aid: Uint8Array;
  readonly name = 'ARA-M';
  readonly #host: SeAppletHost<AraMData>;
  readonly #selections = new Map<number, Selection>();
  /** Blocks of STORE DATA forwarded by the security domain (one personalization at a time). */
  #personalization: BlockChain | undefined;

  constructor(host: SeAppletHost<AraMData>) {
    parseAraMData(host.data);
    this.#host = host;
    this.aid = host.aid.slice();
  }

  select(ctx: SeAppletContext): undefined {
    this.#selections.get(ctx.channel)?.channel.terminate();
    this.#selections.set(ctx.channel, { channel: this.#host.openSecureChannel(), chain: undefined, pending: undefined });
    return undefined;
  }

  deselect(ctx: SeAppletContext): void {
    this.#selections.get(ctx.channel)?.channel.terminate();
    this.#selections.delete(ctx.channel);
  }

  powerDown(): void {
    for (const s of this.#selections.values()) s.channel.terminate();
    this.#selections.clear();
    this.#personalization = undefined;
  }

  async process(command: CommandApdu, ctx: SeAppletContext): Promise<AppletResult> {
    const selection = this.#selections.get(ctx.channel);
    if (!selection) throwSw(SW.CONDITIONS_NOT_SATISFIED); // the element selects before it dispatches
    if (!ctx.proprietary) throwSw(SW.CLA_NOT_SUPPORTED);
    if (ctx.chaining) throwSw(SW.COMMAND_CHAINING_NOT_SUPPORTED);
    const sc = selection.channel;
    if (command.ins === INS_INITIALIZE_UPDATE || command.ins === INS_EXTERNAL_AUTHENTICATE) {
      selection.chain = undefined;
      try {
        return await sc.processSecurity(command);
      } catch (err) {
        throw asStatus(err);
      }
    }
    if (ctx.secureMessaging && sc.level === undefined) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
    const plain = secure(() => sc.unwrap(command));
    const response = this.#dispatch(plain, selection);
    return secure(() => sc.wrap(response));
  }

  /**
   * STORE DATA forwarded by the associated security domain after INSTALL [for personalization] (GP Card
   * Spec 11.11.2.2), already verified and deciphered by its secure channel.
   */
  personalize(command: CommandApdu): AppletResult {
    if (command.ins !== INS_STORE_DATA) throwSw(SW.INS_NOT_SUPPORTED);
    return storeData(command, this.#storeContext(this.#contents(), () => this.#personalization, (c) => (this.#personalization = c)));
  }

  #dispatch(command: CommandApdu, s: Selection): ResponseApdu {
    const contents = this.#contents();
    switch (command.ins) {
      case INS_GET_DATA: {
        const data = getData(command, {
          contents,
          capacity: responseCapacity(command.ne, s.channel.level),
          pending: s.pending,
          setPending: (p) => (s.pending = p),
        });
        return { data, sw: SW.SUCCESS };
      }
      case INS_STORE_DATA: {
        const level = s.channel.level;
        if (!s.channel.authenticated || level === undefined || (level & LevelBit.C_MAC) === 0) {
          s.chain = undefined;
          throwSw(SW.SECURITY_STATUS_NOT_SATISFIED);
        }
        return storeData(command, this.#storeContext(contents, () => s.chain, (c) => (s.chain = c)));
      }
      default:
        throwSw(SW.INS_NOT_SUPPORTED);
    }
  }

  #contents(): AraMContents {
    return parseAraMData(this.#host.data);
  }

  #storeContext(contents: AraMContents, chain: () => BlockChain | undefined, setChain: (c: BlockChain | undefined) => void): StoreDataContext {
    return {
      contents,
      get chain() {
        return chain();
      },
      setChain,
      save: (rules, refreshTag) =>
        this.#host.update((d) => {
          d.rules = rules.map((r) => toHex(r.bytes));
          d.refreshTag = toHex(refreshTag);
        }),
      random: (n) => this.#host.random(n),
    };
  }
}

/**
 * Runs a secure-channel call; an SCP03 error that carries a status word (a channel that does not
 * convert it itself) becomes that status word, as the contract says channel errors are.
 */
function secure<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asStatus(err);
  }
}

function asStatus(err: unknown): unknown {
  return err instanceof Scp03Error && err.sw !== undefined ? new StatusWordError(err.sw, err.message, { cause: err }) : err;
}
