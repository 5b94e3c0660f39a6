import { hasSecureMessaging, SW, throwSw, type CommandApdu, type ResponseApdu } from '../../apdu/index.js';
import { fromHex } from '../../bytes/index.js';
import { encodeTlv, tlv } from '../../tlv/index.js';
import { install, load } from './card-content.js';
import { CardLifeCycle, MAX_COMMAND_DATA } from './constants.js';
import type { Applet, AppletContext, AppletResult } from '../../card/index.js';
import type { SeInterface } from './contract.js';
import type { ElementCore } from './core.js';
import { deleteCommand, getData, getStatus, personalizationTarget, putKey, setStatus, storeDomainData } from './domain-commands.js';
import { requireDataManagement, type DomainContext, type DomainSession } from './domain-session.js';
import { isLocked } from './life-cycle.js';
import { cardLifeCycle, findDomain, isDomain, ISD_HEX } from './registry.js';
import { DomainSecureChannel } from './secure-channel.js';
import type { Hex } from './state.js';

const INS = {
  INITIALIZE_UPDATE: 0x50,
  EXTERNAL_AUTHENTICATE: 0x82,
  GET_DATA: 0xca,
  GET_STATUS: 0xf2,
  INSTALL: 0xe6,
  LOAD: 0xe8,
  DELETE: 0xe4,
  PUT_KEY: 0xd8,
  SET_STATUS: 0xf0,
  STORE_DATA: 0xe2,
} as const;

/** GP Card Spec Table 11-2: the commands that need AUTHENTICATED. */
const AUTHENTICATED_ONLY: ReadonlySet<number> = new Set([INS.DELETE, INS.GET_STATUS, INS.INSTALL, INS.LOAD, INS.PUT_KEY, INS.SET_STATUS, INS.STORE_DATA]);

function isResponse(r: AppletResult): r is ResponseApdu {
  return typeof r === 'object' && r !== null && !(r instanceof Uint8Array);
}

function asResponse(r: AppletResult): ResponseApdu {
  if (r === undefined) return { data: new Uint8Array(0), sw: SW.SUCCESS };
  return isResponse(r) ? r : { data: r, sw: SW.SUCCESS };
}

/**
 * A security domain (GP Card Spec 7): the ISD or a supplementary one, one instance per interface. It
 * runs SCP03 through its secure channel and processes the GlobalPlatform commands of Part IV:
 *
 * 1. INITIALIZE UPDATE and EXTERNAL AUTHENTICATE go to the secure channel.
 * 2. Every other command is unwrapped first (a wrong MAC aborts the session: '6982', then every
 *    command '6982' until a new INITIALIZE UPDATE or selection; Amendment D 5.6); SM indicated with no
 *    session is '6982'.
 * 3. The minimum security levels of Table 11-2: AUTHENTICATED for DELETE, GET STATUS, INSTALL,
 *    LOAD, PUT KEY, SET STATUS, STORE DATA ('6982' below), none for GET DATA.
 * 4. The response is wrapped (R-MAC, R-ENC) as the session's level says.
 *
 * A LOCKED domain still selected rejects everything ('6985', 5.3.2.4); in TERMINATED the ISD answers
 * GET DATA only (9.6.4).
 */
export class SecurityDomain implements Applet {
  readonly aid: Uint8Array;
  readonly name: string;
  readonly #hex: Hex;
  readonly #core: ElementCore;
  readonly #iface: SeInterface;
  readonly #sessions = new Map<number, DomainSession>();

  constructor(core: ElementCore, aid: Hex, iface: SeInterface) {
    this.#core = core;
    this.#hex = aid;
    this.#iface = iface;
    this.aid = fromHex(aid);
    this.name = aid === ISD_HEX ? 'ISD' : `SD ${aid}`;
  }

  /** The channels this domain is selected on (tests, diagnostics). */
  get channels(): number[] {
    return [...this.#sessions.keys()];
  }

  #context(channel: number): DomainContext {
    const session = this.#sessions.get(channel) ?? this.#newSession(channel);
    return { core: this.#core, aid: this.#hex, iface: this.#iface, channel, session };
  }

  #newSession(channel: number): DomainSession {
    const session: DomainSession = { secure: new DomainSecureChannel(this.#core, this.#hex), status: undefined, load: undefined, perso: undefined, storeBlock: 0 };
    this.#sessions.set(channel, session);
    return session;
  }

  /**
   * File Control Information, GP Card Spec Table 11-82: `6F { 84 AID, A5 { 9F65 FF } }` (for the ISD
   * `6F108408A000000151000000A5049F6501FF`). In CARD_LOCKED the ISD, holder of Final Application,
   * is selected with the warning '6283' (Table 11-83).
   */
  select(ctx: AppletContext): Uint8Array | ResponseApdu {
    this.#sessions.get(ctx.channel)?.secure.terminate();
    this.#newSession(ctx.channel);
    const fci = encodeTlv(tlv(0x6f, [tlv(0x84, this.aid), tlv(0xa5, [tlv(0x9f65, Uint8Array.of(MAX_COMMAND_DATA))])]));
    if (this.#hex === ISD_HEX && cardLifeCycle(this.#core.tx.state) === CardLifeCycle.CARD_LOCKED) return { data: fci, sw: SW.SELECTED_FILE_DEACTIVATED };
    return fci;
  }

  deselect(ctx: AppletContext): void {
    this.#sessions.get(ctx.channel)?.secure.terminate();
    this.#sessions.delete(ctx.channel);
  }

  powerDown(): void {
    for (const s of this.#sessions.values()) s.secure.terminate();
    this.#sessions.clear();
  }

  async process(command: CommandApdu, ctx: AppletContext): Promise<ResponseApdu> {
    const dc = this.#context(ctx.channel);
    const state = this.#core.tx.state;
    const me = findDomain(state, this.#hex) ?? throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the security domain is gone');
    if (me.aid !== ISD_HEX && isLocked(me.lifeCycle)) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'a LOCKED security domain rejects every command');
    if (cardLifeCycle(state) === CardLifeCycle.TERMINATED && command.ins !== INS.GET_DATA) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'TERMINATED: GET DATA only');
    if (ctx.chaining) throwSw(SW.COMMAND_CHAINING_NOT_SUPPORTED);
    if (command.ins === INS.INITIALIZE_UPDATE || command.ins === INS.EXTERNAL_AUTHENTICATE) {
      if (!ctx.proprietary) throwSw(SW.CLA_NOT_SUPPORTED);
      if (command.ins === INS.INITIALIZE_UPDATE) {
        dc.session.perso = undefined;
        dc.session.load = undefined;
        dc.session.status = undefined;
        dc.session.storeBlock = 0;
      }
      return dc.session.secure.processSecurity(command);
    }
    const plain = dc.session.secure.unwrap(command);
    if (!dc.session.secure.authenticated && hasSecureMessaging(plain.cla)) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED, 'secure messaging without a secure channel session');
    if (plain.ins === INS.GET_DATA) return dc.session.secure.wrap(getData(dc, plain, ctx.proprietary));
    if (!ctx.proprietary) throwSw(SW.INS_NOT_SUPPORTED);
    if (!AUTHENTICATED_ONLY.has(plain.ins)) throwSw(SW.INS_NOT_SUPPORTED);
    if (!dc.session.secure.authenticated) throwSw(SW.SECURITY_STATUS_NOT_SATISFIED, 'the command needs an authenticated secure channel (GP Card Spec Table 11-2)');
    return dc.session.secure.wrap(await this.#management(dc, plain));
  }

  async #management(dc: DomainContext, command: CommandApdu): Promise<ResponseApdu> {
    switch (command.ins) {
      case INS.GET_STATUS:
        return getStatus(dc, command);
      case INS.INSTALL:
        return install(dc, command);
      case INS.LOAD:
        return load(dc, command);
      case INS.DELETE:
        return deleteCommand(dc, command);
      case INS.PUT_KEY:
        return putKey(dc, command);
      case INS.SET_STATUS:
        return setStatus(dc, command);
      default:
        return this.#storeData(dc, command);
    }
  }

  /**
   * STORE DATA (11.11): after INSTALL [for personalization] it goes to the application (its
   * `personalize`, unwrapped by this domain's channel; the answer is wrapped by it) or, for a
   * security domain, to its key and data loading, decrypted with this session's Key-DEK. Otherwise
   * the domain takes it itself. Blocks are numbered from '00'; a wrong number, or any error, resets
   * the count (11.11.2.2); the last block (P1 b8) ends the personalization session. A case 3 command
   * (P1 b1 = 0) whose target answers data gets '6A86' (11.11.3.1).
   */
  async #storeData(dc: DomainContext, command: CommandApdu): Promise<ResponseApdu> {
    requireDataManagement(dc);
    const last = (command.p1 & 0x80) !== 0;
    const perso = dc.session.perso;
    if (!perso) {
      if (command.p2 !== dc.session.storeBlock) {
        const expected = dc.session.storeBlock;
        dc.session.storeBlock = 0;
        throwSw(SW.INCORRECT_P1P2, `STORE DATA block ${command.p2} where ${expected} was expected`);
      }
      try {
        storeDomainData(dc, this.#hex, command, () => dc.session.secure.dek());
      } catch (err) {
        dc.session.storeBlock = 0;
        throw err;
      }
      dc.session.storeBlock = last ? 0 : dc.session.storeBlock + 1;
      return { data: new Uint8Array(0), sw: SW.SUCCESS };
    }
    if (command.p2 !== perso.nextBlock) {
      perso.nextBlock = 0;
      throwSw(SW.INCORRECT_P1P2, `STORE DATA block ${command.p2} where another was expected`);
    }
    let response: ResponseApdu;
    try {
      personalizationTarget(dc, perso.target);
      const target = this.#core.tx.state.registry.find((e) => e.aid === perso.target)!;
      if (isDomain(target)) {
        storeDomainData({ ...dc, aid: target.aid }, target.aid, command, () => dc.session.secure.dek());
        response = { data: new Uint8Array(0), sw: SW.SUCCESS };
      } else {
        const instance = this.#core.instance(perso.target, this.#iface);
        if (!instance?.personalize) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${perso.target} takes no personalization data`);
        response = asResponse(await instance.personalize(command));
      }
    } catch (err) {
      perso.nextBlock = 0;
      throw err;
    }
    if ((command.p1 & 0x01) === 0 && response.data.length > 0) {
      perso.nextBlock = 0;
      throwSw(SW.INCORRECT_P1P2, 'a case 3 STORE DATA got response data');
    }
    if (last) dc.session.perso = undefined;
    else perso.nextBlock++;
    return response;
  }
}
