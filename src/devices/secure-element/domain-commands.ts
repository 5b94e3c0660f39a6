import { SW, throwSw, type CommandApdu, type ResponseApdu } from '../../apdu/index.js';
import { concat, toHex } from '../../bytes/index.js';
import { decodePutKeyData, Scp03Error, scp03KeySet, type Scp03KeySet } from '../../crypto/index.js';
import { decodeTlv, decodeTlvList, TlvError, type Tlv } from '../../tlv/index.js';
import { deleteContent } from './card-content.js';
import { AppLifeCycle, CardLifeCycle, MAX_KEY_SETS, SCP03_I } from './constants.js';
import { requireDataManagement, self, type DomainContext, type DomainEntry } from './domain-session.js';
import { dataObject } from './get-data.js';
import { page, parseStatusQuery, statusTemplates } from './get-status.js';
import { decodeDgiKeySets, keySetRecord, parseDgis } from './key-sets.js';
import { isLocked, locked, unlocked } from './life-cycle.js';
import { associatedWith, cardLifeCycle, draftApplication, draftDomain, entryHas, findApplication, hierarchyOf, isDomain, ISD_HEX, keySetOf } from './registry.js';
import type { Hex } from './state.js';

/*
 * The security domain's own commands (GP Card Spec 11.3, 11.4, 11.8, 11.10, 11.11, 11.2 for keys).
 */

/** GET DATA (11.3): the whole TLV with a GlobalPlatform class, its value with an ISO class. */
export function getData(ctx: DomainContext, command: CommandApdu, proprietary: boolean): ResponseApdu {
  const tag = command.p1 === 0 ? command.p2 : (command.p1 << 8) | command.p2;
  const object = dataObject(ctx.core.tx.state, self(ctx), tag);
  return { data: proprietary ? object : new Uint8Array(decodeTlv(object).value), sw: SW.SUCCESS };
}

/**
 * GET STATUS (11.4): P2 '02' starts a search and '03' continues one from the same application
 * session ('6985' without one, or with another P1); '6310' while templates remain.
 */
export function getStatus(ctx: DomainContext, command: CommandApdu): ResponseApdu {
  let templates: Uint8Array[];
  if (command.p2 === 0x03) {
    const pending = ctx.session.status;
    if (!pending || pending.p1 !== command.p1) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'GET STATUS [next] without a previous GET STATUS');
    templates = pending.rest;
  } else if (command.p2 === 0x02) {
    ctx.session.status = undefined;
    templates = statusTemplates(ctx.core.tx.state, self(ctx), command.p1, parseStatusQuery(command.data));
  } else {
    return throwSw(SW.INCORRECT_P1P2, 'GET STATUS P2 is 02 (first) or 03 (next); the deprecated format is not supported');
  }
  const { taken, rest } = page(templates);
  ctx.session.status = rest.length > 0 ? { p1: command.p1, rest } : undefined;
  return { data: concat(...taken), sw: rest.length > 0 ? SW.MORE_DATA_AVAILABLE : SW.SUCCESS };
}

/**
 * Stores whole SCP03 key sets in a domain: a KVN it has is replaced (same key length, 11.8.2.3.3; the
 * sequence counter starts again at 0), a new one added ('6A84' beyond MAX_KEY_SETS).
 */
function storeKeySets(ctx: DomainContext, sd: Hex, sets: readonly Scp03KeySet[]): void {
  const domain = ctx.core.tx.state.registry.find((e) => e.aid === sd);
  if (!domain || !isDomain(domain)) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'not a security domain');
  let count = domain.domain.keySets.length;
  for (const set of sets) {
    const old = keySetOf(domain.domain, set.kvn);
    if (old && old.enc.length / 2 !== set.enc.length) throwSw(SW.INCORRECT_DATA, 'a replaced key keeps its length');
    if (!old) count++;
  }
  if (count > MAX_KEY_SETS) throwSw(SW.NOT_ENOUGH_MEMORY, `a domain holds at most ${MAX_KEY_SETS} key sets`);
  ctx.core.tx.change((draft) => {
    const d = draftDomain(draft, sd)!;
    for (const set of sets) {
      const record = keySetRecord(set, SCP03_I);
      const at = d.keySets.findIndex((k) => k.kvn === set.kvn);
      if (at >= 0) d.keySets[at] = record;
      else d.keySets.push(record);
    }
  });
}

/**
 * PUT KEY (11.8) for SCP03 key sets: P1 the KVN to replace ('00' adds a new set), P2 '81' (several
 * keys from identifier 1: exactly Key-ENC, Key-MAC, Key-DEK, AES of one length). The key data is
 * encrypted under the Key-DEK of the session's key set (Amendment D 6.2.8, 7.2); a key check value
 * that does not match is '6982' (Table 11-78). Answers KVN || the three KCVs (11.8.3.1).
 */
export function putKey(ctx: DomainContext, command: CommandApdu): ResponseApdu {
  const me = requireDataManagement(ctx);
  if ((command.p1 & 0x80) !== 0) throwSw(SW.INCORRECT_P1P2, 'PUT KEY chaining is not supported');
  if (command.p2 !== 0x81) throwSw(SW.INCORRECT_P1P2, 'PUT KEY loads whole SCP03 key sets: P2 81');
  const dek = ctx.session.secure.dek();
  let decoded;
  try {
    decoded = decodePutKeyData(dek, command.data);
  } catch (err) {
    if (err instanceof Scp03Error && err.sw !== undefined) throwSw(err.sw, err.message);
    throw err;
  }
  const { kvn, keys, kcvs } = decoded;
  if (kvn < 1 || kvn > 0x7f) throwSw(SW.INCORRECT_DATA, 'a key version number is 01..7F');
  if (keys.length !== 3 || keys.some((k) => k.length !== keys[0]!.length)) throwSw(SW.INCORRECT_DATA, 'an SCP03 key set is three AES keys of one length');
  const old = command.p1 & 0x7f;
  if (old === 0) {
    if (keySetOf(me.domain, kvn)) throwSw(SW.INCORRECT_DATA, `key set ${kvn.toString(16)} exists already`);
  } else {
    const replaced = keySetOf(me.domain, old) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no key set ${old.toString(16)}`);
    if (kvn !== old && keySetOf(me.domain, kvn)) throwSw(SW.INCORRECT_DATA, `key set ${kvn.toString(16)} exists already`);
    if (replaced.enc.length / 2 !== keys[0]!.length) throwSw(SW.INCORRECT_DATA, 'a replaced key keeps its length');
  }
  const set = scp03KeySet(kvn, keys[0]!, keys[1]!, keys[2]!);
  if (old === 0) {
    storeKeySets(ctx, me.aid, [set]);
  } else {
    ctx.core.tx.change((draft) => {
      const d = draftDomain(draft, me.aid)!;
      const at = d.keySets.findIndex((k) => k.kvn === old);
      d.keySets[at] = keySetRecord(set, SCP03_I);
    });
  }
  return { data: concat(Uint8Array.of(kvn), ...kcvs), sw: SW.SUCCESS };
}

/**
 * DELETE (11.2): content ('4F'; tokens '9E' refused, 'B6' ignored) or a key set ('D2' KVN; this
 * element deletes whole SCP03 key sets, so 'D0' is refused, and the set of the current session stays).
 */
export function deleteCommand(ctx: DomainContext, command: CommandApdu): ResponseApdu {
  if ((command.p1 & 0x80) !== 0) throwSw(SW.INCORRECT_P1P2, 'DELETE chaining is not supported');
  if ((command.p2 & 0x40) !== 0) throwSw(SW.INCORRECT_P1P2, 'deleting a root security domain (Amendment C) is not supported');
  let items: Tlv[];
  try {
    items = decodeTlvList(command.data, { maxDepth: 3 });
  } catch (err) {
    if (err instanceof TlvError) throwSw(SW.INCORRECT_DATA, 'DELETE data is not BER-TLV');
    throw err;
  }
  const first = items[0] ?? throwSw(SW.INCORRECT_DATA, 'DELETE names nothing');
  if (first.tag === 0x4f) {
    if (items.some((t) => t.tag === 0x9e)) throwSw(SW.INCORRECT_DATA, 'delete tokens are for Delegated Management, which is not implemented');
    if (items.some((t, i) => i > 0 && t.tag !== 0xb6)) throwSw(SW.INCORRECT_DATA, 'DELETE [card content] data');
    if (first.value.length < 5 || first.value.length > 16) throwSw(SW.INCORRECT_DATA, 'an AID is 5..16 bytes');
    return deleteContent(ctx, toHex(first.value), (command.p2 & 0x80) !== 0);
  }
  if (items.some((t) => t.tag === 0xd0)) throwSw(SW.INCORRECT_DATA, 'keys are deleted as whole key sets (D2 only)');
  if (items.length !== 1 || first.tag !== 0xd2 || first.value.length !== 1) throwSw(SW.INCORRECT_DATA, 'DELETE [key] data');
  const me = requireDataManagement(ctx);
  const kvn = first.value[0]!;
  if (!keySetOf(me.domain, kvn)) throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no key set ${kvn.toString(16)}`);
  if (ctx.session.secure.kvn === kvn) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the key set of the current session');
  ctx.core.tx.change((draft) => {
    const d = draftDomain(draft, me.aid)!;
    d.keySets = d.keySets.filter((k) => k.kvn !== kvn);
  });
  return { data: Uint8Array.of(0x00), sw: SW.SUCCESS };
}

function setCardState(ctx: DomainContext, me: DomainEntry, target: number): void {
  const current = cardLifeCycle(ctx.core.tx.state);
  if (target === CardLifeCycle.TERMINATED) {
    if (!entryHas(me, 'CARD_TERMINATE')) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'no Card Terminate privilege');
  } else if (target === CardLifeCycle.CARD_LOCKED) {
    if (!entryHas(me, 'CARD_LOCK')) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'no Card Lock privilege');
    if (current !== CardLifeCycle.SECURED) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the card locks from SECURED');
  } else if (target === CardLifeCycle.SECURED) {
    if (!entryHas(me, 'CARD_LOCK')) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'no Card Lock privilege');
    if (current !== CardLifeCycle.CARD_LOCKED && current !== CardLifeCycle.INITIALIZED) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the card returns to SECURED from CARD_LOCKED');
  } else {
    throwSw(SW.INCORRECT_DATA, `card state ${target.toString(16)} is not one SET STATUS moves to`);
  }
  ctx.core.tx.change((draft) => {
    draft.registry[0]!.lifeCycle = target;
  });
}

/**
 * SET STATUS (11.10): P1 '80' the card (lock '7F' from SECURED, unlock '0F' back to SECURED,
 * terminate 'FF', with the Card Lock / Card Terminate privileges); '40' an application or domain and
 * '60' a domain with its whole hierarchy. A domain moves itself only to PERSONALIZED (from
 * SELECTABLE) or LOCKED; another entry it may lock (P2 b8 = 1) or unlock (b8 = 0, back to the state it
 * was locked in) when that entry is in its hierarchy or it has Global Lock (9.6.2). The ISD, which
 * holds Final Application, is never locked this way. Moving to the current state is refused.
 */
export function setStatus(ctx: DomainContext, command: CommandApdu): ResponseApdu {
  const me = self(ctx);
  if (command.p1 === 0x80) {
    setCardState(ctx, me, command.p2);
    return { data: new Uint8Array(0), sw: SW.SUCCESS };
  }
  if (command.p1 !== 0x40 && command.p1 !== 0x60) throwSw(SW.INCORRECT_P1P2, 'SET STATUS P1 is 80, 40 or 60');
  if (command.data.length < 5 || command.data.length > 16) throwSw(SW.INCORRECT_DATA, 'SET STATUS names an AID');
  const state = ctx.core.tx.state;
  const aid = toHex(command.data);
  const target = findApplication(state, aid) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no application ${aid}`);
  if (target.aid === ISD_HEX) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the ISD follows the card (P1 80)');
  const lock = (command.p2 & 0x80) !== 0;
  if (target.aid === me.aid) {
    if (lock) {
      ctx.core.tx.change((draft) => {
        const e = draftApplication(draft, me.aid)!;
        e.lifeCycle = locked(e.lifeCycle);
        if (command.p1 === 0x60) for (const x of hierarchyOf(state, me.aid)) if (x.kind === 'application') draftApplication(draft, x.aid)!.lifeCycle = locked(x.lifeCycle);
      });
    } else if (command.p2 === AppLifeCycle.PERSONALIZED && command.p1 === 0x40) {
      if (me.lifeCycle !== AppLifeCycle.SELECTABLE) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'a domain becomes PERSONALIZED from SELECTABLE, once');
      ctx.core.tx.change((draft) => {
        draftApplication(draft, me.aid)!.lifeCycle = AppLifeCycle.PERSONALIZED;
      });
    } else {
      throwSw(SW.INCORRECT_DATA, 'a domain moves itself only to PERSONALIZED or LOCKED');
    }
    return { data: new Uint8Array(0), sw: SW.SUCCESS };
  }
  if (!associatedWith(state, target, me.aid) && !entryHas(me, 'GLOBAL_LOCK')) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${aid} is not in the hierarchy of ${me.aid}`);
  if (command.p1 === 0x60 && !isDomain(target)) throwSw(SW.INCORRECT_DATA, 'P1 60 names a security domain');
  if (isLocked(target.lifeCycle) === lock) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${aid} is ${lock ? 'LOCKED' : 'not LOCKED'} already`);
  const entries = command.p1 === 0x60 ? [target, ...hierarchyOf(state, target.aid).filter((e) => e.kind === 'application')] : [target];
  ctx.core.tx.change((draft) => {
    for (const e of entries) {
      const d = draftApplication(draft, e.aid)!;
      d.lifeCycle = lock ? locked(d.lifeCycle) : unlocked(d.lifeCycle);
    }
  });
  return { data: new Uint8Array(0), sw: SW.SUCCESS };
}

/**
 * Data a domain takes with STORE DATA (11.11.2.3, 11.11.4), to itself or forwarded from its
 * associated domain after INSTALL [for personalization]: DGI format (P1 b5b4 = 01) carries key sets
 * (DGI '00B9' + '8113', decrypted with `dek`: the Key-DEK of the session the command came through);
 * BER-TLV format (b5b4 = 10) carries '42' and '45' (the ISD's are the card's IIN and CIN). Structures
 * are whole in each block. Internal objects ('C1', 'D3', '2F00', …) and anything else are '6A80'.
 */
export function storeDomainData(ctx: DomainContext, sd: Hex, command: CommandApdu, dek: () => Uint8Array): void {
  const format = (command.p1 >>> 3) & 0x03;
  if (format === 0x01) {
    storeKeySets(ctx, sd, decodeDgiKeySets(parseDgis(command.data), dek()));
    return;
  }
  if (format !== 0x02) throwSw(SW.INCORRECT_DATA, 'a security domain takes DGI or BER-TLV data');
  if ((command.p1 & 0x60) === 0x60) throwSw(SW.INCORRECT_DATA, 'encrypted BER-TLV data is not supported');
  let items: Tlv[];
  try {
    items = decodeTlvList(command.data, { maxDepth: 1 });
  } catch (err) {
    if (err instanceof TlvError) throwSw(SW.INCORRECT_DATA, 'STORE DATA is not BER-TLV');
    throw err;
  }
  if (items.length === 0) throwSw(SW.INCORRECT_DATA, 'no data object');
  for (const t of items) {
    if ((t.tag !== 0x42 && t.tag !== 0x45) || t.value.length < 1 || t.value.length > 16) throwSw(SW.INCORRECT_DATA, `data object ${t.tag.toString(16)} is not stored`);
  }
  ctx.core.tx.change((draft) => {
    for (const t of items) {
      const value = toHex(t.value);
      if (sd === ISD_HEX) {
        if (t.tag === 0x42) draft.card.iin = value;
        else draft.card.cin = value;
      } else {
        const d = draftDomain(draft, sd)!;
        if (t.tag === 0x42) d.providerId = value;
        else d.imageNumber = value;
      }
    }
  });
}

/** Whether a STORE DATA of a personalization session may still reach its target. */
export function personalizationTarget(ctx: DomainContext, aid: Hex): void {
  const app = findApplication(ctx.core.tx.state, aid);
  if (!app || app.sd !== ctx.aid || isLocked(app.lifeCycle)) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${aid} can no longer be personalized`);
}
