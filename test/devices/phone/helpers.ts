import '../../pki/x509/reflect-metadata.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { SW, throwSw, type CommandApdu } from '../../../src/apdu/index.js';
import { concat, fromHex, toHex } from '../../../src/bytes/index.js';
import { CardRuntime, MemoryCardStore, type Applet, type AppletContext, type CardPort, type CardStore } from '../../../src/card/index.js';
import { Phone, type FetchLike, type PhoneOptions, type PhoneState } from '../../../src/devices/phone/index.js';
import { encodeAllRulesResponse, type ApduFilter, type ApduRule, type RefArDo } from '../../../src/devices/secure-element/ara-m/index.js';
import { encodeTlv, tlv } from '../../../src/tlv/index.js';

/**
 * Fixtures of the phone tests (no test of its own): app signing certificates, small applets, and a
 * test ARA-M that serves a FF40 document in chunks of a size the test sets, counts its GET DATA
 * commands and can answer wrongly (the real ARA-M applet is used in access-control.test.ts). The
 * rules are read by the real rule engine (the ARA-M module's `AraRuleEngine`).
 */

export const ARA_M = 'A00000015141434C00';
export const APP_AID = 'A000000001AA01';
export const APP_AID_2 = 'A000000001AA02';
export const OTHER_AID = 'A000000002BB01';
export const ATR = fromHex('3B8080018080');

/** A DER self-signed ECDSA P-256 certificate (an app signing certificate). */
export async function signingCertificate(cn: string): Promise<Uint8Array> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: '01',
      name: `CN=${cn}`,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2045-01-01T00:00:00Z'),
      signingAlgorithm: alg,
      keys,
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  return new Uint8Array(cert.rawData);
}

/**
 * An applet that answers what it saw: `00 01` → its name, the channel and the CLA byte it received;
 * `00 03` → 300 bytes delivered as '6101' + GET RESPONSE rounds; `00 04` → '6C05' unless Le = 5;
 * anything else `6D00`. It records every CLA it saw.
 */
export function echoApplet(name: string, aid: string, seen: string[] = []): Applet {
  const pending = new Map<number, Uint8Array>();
  return {
    aid: fromHex(aid),
    name,
    select: () => encodeTlv(tlv(0x6f, [tlv(0x84, fromHex(aid))])),
    process(cmd: CommandApdu, ctx: AppletContext) {
      seen.push(toHex(Uint8Array.of(cmd.cla)));
      if (cmd.ins === 0x01) return concat(new TextEncoder().encode(name), Uint8Array.of(ctx.channel, cmd.cla));
      if (cmd.ins === 0x03) {
        const all = new Uint8Array(300).map((_, i) => i & 0xff);
        pending.set(ctx.channel, all.subarray(200));
        return { data: all.subarray(0, 200), sw: 0x6164 };
      }
      if (cmd.ins === 0xc0) {
        const rest = pending.get(ctx.channel);
        if (!rest) return throwSw(SW.CONDITIONS_NOT_SATISFIED);
        pending.delete(ctx.channel);
        return rest;
      }
      if (cmd.ins === 0x04) return cmd.ne === 5 ? fromHex('0102030405') : { data: new Uint8Array(0), sw: 0x6c05 };
      return throwSw(SW.INS_NOT_SUPPORTED);
    },
    deselect: () => undefined,
  };
}

/** A test ARA-M: serves `ff40` (or '6A88' when undefined) in chunks, the refresh tag, and counts. */
export class TestAraM implements Applet {
  readonly aid = fromHex(ARA_M);
  readonly name = 'test ARA-M';
  ff40: Uint8Array | undefined;
  refreshTag: Uint8Array = fromHex('0000000000000001');
  /** Answer the refresh tag with something that is not DF20 08 …. */
  brokenRefresh = false;
  chunk = 200;
  counts = { refresh: 0, all: 0, next: 0 };
  #offset = 0;

  constructor(ff40?: Uint8Array) {
    this.ff40 = ff40;
  }

  /** New rules and a new refresh tag, as an ARA-M does on every STORE DATA. */
  setRules(ff40: Uint8Array | undefined): void {
    this.ff40 = ff40;
    const n = BigInt('0x' + toHex(this.refreshTag)) + 1n;
    this.refreshTag = fromHex(n.toString(16).padStart(16, '0'));
  }

  select(): undefined {
    return undefined;
  }

  process(cmd: CommandApdu): Uint8Array {
    if (cmd.cla & 0x80 && cmd.ins === 0xca) {
      const tag = (cmd.p1 << 8) | cmd.p2;
      if (tag === 0xdf20) {
        this.counts.refresh++;
        if (this.brokenRefresh) return fromHex('DF2001FF');
        return encodeTlv(tlv(0xdf20, this.refreshTag));
      }
      if (tag === 0xff40) {
        this.counts.all++;
        if (!this.ff40) throwSw(SW.REFERENCED_DATA_NOT_FOUND);
        this.#offset = Math.min(this.chunk, this.ff40.length);
        return this.ff40.slice(0, this.#offset);
      }
      if (tag === 0xff60) {
        this.counts.next++;
        if (!this.ff40 || this.#offset >= this.ff40.length) throwSw(SW.CONDITIONS_NOT_SATISFIED);
        const end = Math.min(this.#offset + this.chunk, this.ff40.length);
        const part = this.ff40.slice(this.#offset, end);
        this.#offset = end;
        return part;
      }
    }
    return throwSw(SW.INS_NOT_SUPPORTED);
  }

  deselect(): void {}
}

/** A rule for `ruleSet`: AID (hex) or 'all', the app's certificate hash or 'any app', and what it grants. */
export interface TestRule {
  readonly aid: string | 'all';
  readonly hash: Uint8Array | 'any';
  readonly apdu: 'always' | 'never' | readonly ApduFilter[];
  readonly nfc?: 'always' | 'never';
}

/**
 * A Response-ALL-REF-AR-DO `FF40 { E2 { E1 {4F, C1}, E3 {D0, D1} } … }` (gp-scp03.md 4.2), encoded
 * by the ARA-M module's codec.
 */
export function ruleSet(rules: readonly TestRule[]): Uint8Array {
  return encodeAllRulesResponse(
    rules.map((r): RefArDo => {
      const apdu: ApduRule = r.apdu === 'always' || r.apdu === 'never' ? { kind: r.apdu } : { kind: 'filters', filters: r.apdu };
      return {
        ref: { aid: r.aid === 'all' ? { kind: 'all' } : { kind: 'aid', aid: fromHex(r.aid) }, hash: r.hash === 'any' ? new Uint8Array(0) : r.hash },
        ar: { apdu, ...(r.nfc ? { nfc: r.nfc } : {}) },
      };
    }),
  );
}

/** A contact element: a card runtime with the given applets, 20 logical channels and partial selection. */
export function contactElement(applets: readonly Applet[], options: { channels?: number } = {}): CardRuntime {
  return new CardRuntime({ atr: ATR, applets, logicalChannels: options.channels ?? 20, partialSelection: true });
}

/** A clock the test moves by hand. */
export function manualClock(start = '2026-04-01T09:00:00.000Z') {
  let now = Date.parse(start);
  return {
    clock: () => new Date(now),
    advance(ms: number): void {
      now += ms;
    },
  };
}

export interface TestPhoneOptions {
  readonly store?: CardStore<PhoneState>;
  readonly deviceKey?: Uint8Array;
  readonly contactless?: CardPort;
  readonly rules?: Uint8Array;
  readonly fetch?: FetchLike;
  readonly clock?: () => Date;
  readonly onEvent?: PhoneOptions['onEvent'];
}

/** A phone over a contact element with the echo applets and a test ARA-M, powered on. */
export async function testPhone(options: TestPhoneOptions = {}) {
  const seen: string[] = [];
  const ara = new TestAraM(options.rules);
  const contact = contactElement([echoApplet('A1', APP_AID, seen), echoApplet('A2', APP_AID_2, seen), echoApplet('B', OTHER_AID, seen), ara]);
  const contactless = options.contactless ?? contactElement([echoApplet('CL', APP_AID, seen)]);
  const store = options.store ?? new MemoryCardStore<PhoneState>();
  const phoneOptions: PhoneOptions = {
    store,
    deviceKey: options.deviceKey ?? new Uint8Array(32).fill(7),
    secureElement: { contact, contactless },
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  };
  const phone = await Phone.create(phoneOptions, { model: 'JPKI Test Phone', deviceId: 'PHONE-0001' });
  await phone.powerOn();
  return { phone, phoneOptions, store, seen, ara, contact, contactless };
}
