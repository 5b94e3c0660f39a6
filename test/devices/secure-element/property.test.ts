import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { command, encodeCommand, isValidSw } from '../../../src/apdu/index.js';
import { fromHex, hex, toHex } from '../../../src/bytes/index.js';
import { MemoryCardStore, type CardPort } from '../../../src/card/index.js';
import { jpkiAppletPackage } from '../../../src/devices/applets/jpki/index.js';
import { ARA_M_PACKAGE } from '../../../src/devices/secure-element/ara-m/index.js';
import { DEFAULT_PACKAGES, encodeDgiKeySet, SecureElement, type SeState } from '../../../src/devices/secure-element/index.js';
import { testCaCertificates } from '../applets/jpki/helpers.js';
import { TEST_KDF } from '../id-card/helpers.js';
import {
  APSD,
  GP_KEY,
  installForInstall,
  installForLoad,
  installForPersonalization,
  ISD,
  isdSession,
  keySet,
  newElement,
  OTHER_PACKAGE,
  SSD_MODULE,
  SSD_PACKAGE,
  storeData,
  TEST_PACKAGE,
  TEST_PACKAGE_AID,
  Terminal,
} from './helpers.js';
import { JPKI_APSD, JPKI_ELF, JPKI_INSTANCE, personaliseJpki, prepareJpki } from './support/jpki-element.js';

/**
 * Random and malformed APDUs on both interfaces, with no secure channel key, to an element with the
 * default catalogue (the ARA-M pre-installed, the JPKI applet personalised in its provider's domain and
 * available on both interfaces) and the test package: every answer is a status word (data only with
 * success or a warning), nothing throws or hangs, and the saved state does not change, except the
 * sequence counters of key sets, which INITIALIZE UPDATE may only raise (Amendment D 6.2.2.1), and the
 * JPKI applet's PIN tries, which a wrong VERIFY may only lower: no command reaches a change without the
 * security level GP requires, or the JPKI-AP's PIN.
 */

const ARA_M = 'A00000015141434C00';
const AIDS = [ISD, APSD, SSD_PACKAGE, SSD_MODULE, TEST_PACKAGE_AID, ARA_M, 'A0000001', 'A000000151', JPKI_INSTANCE, JPKI_ELF, JPKI_APSD, 'D392F00026'];
/** The default catalogue and the test packages; the JPKI applet of the base was personalised with a cheaper scrypt cost (same image). */
const PACKAGES = [...DEFAULT_PACKAGES, TEST_PACKAGE, OTHER_PACKAGE];
const byte = fc.integer({ min: 0, max: 255 });
const pick = (values: number[]) => fc.oneof(fc.constantFrom(...values), fc.constantFrom(...values), byte);

const data = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.constantFrom(...AIDS).map((a) => fromHex(a)),
  fc.constantFrom(...AIDS).map((a) => fromHex(`4F${(a.length / 2).toString(16).padStart(2, '0')}${a}`)),
  fc.constantFrom(hex('4F00'), hex('4F005C024F9F'), hex('D20130'), hex('D00101D20130'), hex('C4024F00'), hex('9F7F'), hex('00B9')),
  fc.uint8Array({ minLength: 1, maxLength: 16 }),
  fc.uint8Array({ minLength: 0, maxLength: 280 }),
);
const ne = fc.option(fc.constantFrom(1, 256, 257, 65536), { nil: undefined });

const shaped = fc
  .record({
    cla: pick([0x00, 0x80, 0x84, 0x81, 0x85, 0xc0, 0xe0, 0x01, 0x40, 0x0c, 0x90, 0xff]),
    ins: pick([0xa4, 0x70, 0x50, 0x82, 0xca, 0xcb, 0xf2, 0xe6, 0xe8, 0xe4, 0xd8, 0xf0, 0xe2, 0x01, 0x02, 0x04, 0x11]),
    p1: pick([0x00, 0x02, 0x04, 0x0c, 0x20, 0x30, 0x40, 0x60, 0x80, 0x88, 0xa8]),
    p2: pick([0x00, 0x02, 0x03, 0x0c, 0x66, 0x80, 0x81, 0xc1, 0xcf, 0x7f, 0xff]),
    data,
    ne,
  })
  .map((r) => encodeCommand(command(r.cla, r.ins, r.p1, r.p2, r.data, r.ne)));

/** Commands that get somewhere: selections, channels, a half session, management commands without one. */
const known = fc.constantFrom(
  ...[
    '00A4040000',
    `00A4040008${ISD}00`,
    `00A404000A${APSD}00`,
    '00A4040005A00000015100',
    '00A4040205A00000015100',
    '0070000001',
    '00708001',
    '8050300008010203040506070800',
    '8050000008AAAAAAAAAAAAAAAA00',
    '84820300100000000000000000000000000000000000',
    '80CA006600',
    '80CA00E000',
    '80F28002024F0000',
    '80F24002024F0000',
    '80E4000006D2013000',
    // The JPKI-AP's user interface (jpki-ap.md 1.2): wrong PIN and password, reads, a signature without VERIFY.
    '00A4040C0AD392F000260100000001',
    '00A4020C020018',
    '00A4020C02001B',
    '00A4020C020017',
    '00A4020C02000A',
    '00A4020C020006',
    '00200080',
    '002000800439393939',
    '0020008006585858585858',
    '00B0000004',
    '002401800435353535',
    `802A008033${'3031300D060960864801650304020105000420'}${'AB'.repeat(32)}00`,
    // The ARA-M: its GET DATA, and STORE DATA without the secure channel.
    `00A4040009${ARA_M}00`,
    '80CAFF4000',
    '80CADF2000',
    '80CAFF6000',
    '80E2900004F1020000',
  ].map((h) => fromHex(h)),
  encodeCommand(installForLoad(TEST_PACKAGE_AID)),
  encodeCommand(installForInstall(TEST_PACKAGE_AID, TEST_PACKAGE_AID + '01', 'F0000000010001AA')),
  encodeCommand(installForPersonalization(APSD)),
  encodeCommand(storeData(0xa8, 0x00, encodeDgiKeySet(GP_KEY, keySet(0x30, 16, 1)))),
);
const apdu = fc.oneof({ arbitrary: shaped, weight: 4 }, { arbitrary: known, weight: 3 }, { arbitrary: fc.uint8Array({ minLength: 0, maxLength: 300 }), weight: 2 });
/** The JPKI-AP selected with one of its EFs, then a few of its commands or random ones: VERIFY reaches the applet. */
const jpkiSession = fc
  .tuple(
    fc.constantFrom('00A4020C020018', '00A4020C02001B', '00A4020C020017', '00A4020C02001A', '00A4020C02000A'),
    fc.array(
      fc.oneof(
        fc.constantFrom('00200080', '002000800439393939', '0020008006585858585858', '00B0000004', '002401800435353535').map((h) => fromHex(h)),
        fc.uint8Array({ minLength: 1, maxLength: 16 }).map((v) => encodeCommand(command(0x00, 0x20, 0x00, 0x80, v))),
        shaped,
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([ef, rest]) => [fromHex('00A4040C0AD392F000260100000001'), fromHex(ef), ...rest]);
const step = fc.record({
  contactless: fc.boolean(),
  apdus: fc.oneof({ arbitrary: apdu.map((a) => [a]), weight: 6 }, { arbitrary: jpkiSession, weight: 1 }),
  reset: fc.integer({ min: 0, max: 12 }),
});

function checkResponse(cmd: Uint8Array, r: Uint8Array): void {
  assert.ok(r.length >= 2, `no status word for ${toHex(cmd)}`);
  const sw = r[r.length - 2]! * 256 + r[r.length - 1]!;
  assert.ok(isValidSw(sw), `invalid SW ${toHex(r.subarray(-2))} for ${toHex(cmd)}`);
  const sw1 = sw >> 8;
  if (r.length > 2) assert.ok(sw1 === 0x90 || sw1 === 0x61 || sw1 === 0x62 || sw1 === 0x63, `data with an error SW for ${toHex(cmd)}`);
  assert.ok(r.length <= 258, `a response of ${r.length} bytes`);
}

async function answer(port: CardPort, bytes: Uint8Array): Promise<Uint8Array> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer to ${toHex(bytes)}`)), 5000)));
  try {
    return await Promise.race([port.transmit(bytes), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The document with every sequence counter and PIN try counter zeroed, and those counters apart. */
function split(state: SeState): { rest: string; counters: number[]; tries: number[] } {
  const copy = structuredClone(state) as unknown as {
    registry: { aid: string; domain?: { keySets: { counter: number }[] }; data: { pins?: Record<string, { triesLeft: number }> } | null }[];
  };
  const counters: number[] = [];
  const tries: number[] = [];
  for (const e of copy.registry) {
    for (const k of e.domain?.keySets ?? []) {
      counters.push(k.counter);
      k.counter = 0;
    }
    if (e.aid === JPKI_INSTANCE) {
      for (const p of Object.values(e.data!.pins!)) {
        tries.push(p.triesLeft);
        p.triesLeft = 0;
      }
    }
  }
  return { rest: JSON.stringify(copy), counters, tries };
}

let base: SeState;
before(async () => {
  // The JPKI applet personalised in its domain (the ARA-M is pre-installed with the default catalogue);
  // an APSD (SELECTABLE, keys provisioned) and the test package loaded, no application.
  const te = await newElement({ packages: [ARA_M_PACKAGE, jpkiAppletPackage({ kdf: TEST_KDF }), TEST_PACKAGE, OTHER_PACKAGE] });
  await prepareJpki(te.contact, { pkg: jpkiAppletPackage({ kdf: TEST_KDF }) });
  await personaliseJpki(te.contact, testCaCertificates);
  await isdSession(te.contact, 0x03);
  assert.deepEqual(await te.contact.loadPackage(TEST_PACKAGE), ['9000', '9000', '9000']);
  assert.equal(await te.contact.ssw(installForInstall(SSD_PACKAGE, SSD_MODULE, APSD, { privileges: '804000' })), '9000');
  assert.equal(await te.contact.ssw(installForPersonalization(APSD)), '9000');
  assert.equal(await te.contact.ssw(storeData(0xa8, 0x00, encodeDgiKeySet(GP_KEY, keySet(0x30, 16, 9)))), '9000');
  base = te.element.state;
  assert.deepEqual(base.registry.filter((e) => e.kind === 'application').map((e) => e.aid), [ISD, ARA_M, JPKI_APSD, JPKI_INSTANCE, APSD]);
  assert.deepEqual(split(base).tries, [3, 5]);
  // Reachable: the JPKI applet on both interfaces, the ARA-M on the contact one.
  const element = await SecureElement.open(new MemoryCardStore<SeState>(base), { packages: PACKAGES });
  for (const [port, aid, sw] of [[element.contactless, JPKI_INSTANCE, '9000'], [element.contact, JPKI_INSTANCE, '9000'], [element.contact, ARA_M, '9000'], [element.contactless, ARA_M, '6A82']] as const) {
    await port.powerOn();
    assert.equal((await new Terminal(port).select(aid)).sw.toString(16).toUpperCase(), sw, `${aid} on ${port === element.contact ? 'contact' : 'contactless'}`);
  }
});

describe('secure element: random and malformed APDUs (property)', () => {
  it('answer with a status word only and change nothing but sequence counters, which only go up, and PIN tries, which only go down', async () => {
    const original = split(base);
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const store = new MemoryCardStore<SeState>(base);
        const element = await SecureElement.open(store, { packages: PACKAGES });
        await element.contact.powerOn();
        await element.contactless.powerOn();
        for (const s of steps) {
          const port = s.contactless ? element.contactless : element.contact;
          for (const a of s.apdus) checkResponse(a, await answer(port, a));
          if (s.reset === 0) await port.reset();
        }
        const now = split((await store.load()) as SeState);
        assert.equal(now.rest, original.rest);
        now.counters.forEach((c, i) => assert.ok(c >= original.counters[i]!, 'a counter went down'));
        now.tries.forEach((c, i) => assert.ok(c <= original.tries[i]!, 'PIN tries went up'));
        // Still a working element.
        assert.equal(toHex(await element.contact.transmit(fromHex(`00A4040008${ISD}00`))).slice(-4), '9000');
      }),
      { numRuns: 120 },
    );
  });
});
