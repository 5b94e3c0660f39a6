import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  EF,
  getStateCommand,
  parseAppletData,
  putCertificateCommand,
  setReferenceDataCommand,
  storeDataBlocks,
  type StateResult,
  type StoreDataBlock,
} from '../../../../src/devices/applets/jpki/index.js';
import { parseCertificate } from '../../../../src/pki/x509/index.js';
import type { TestElement } from './fixtures/test-element.js';
import type { TestTsm } from './fixtures/test-tsm.js';
import { dataOf, element, personalised, spkiOfPkcs8, tsm } from './helpers.js';

/*
 * The management interface under stress: STORE DATA sequences with wrong block numbers, hostile data
 * objects (a table, then fast-check), a block failing half-way, and the saved document checked after
 * every command for a half-applied change.
 */

async function fresh(): Promise<{ e: TestElement; t: TestTsm }> {
  const e = await element((await personalised()).document);
  return { e, t: await tsm(e) };
}

/** One block, last, through INSTALL [for personalization]; returns its status word. */
async function single(t: TestTsm, data: Uint8Array | string, p1 = 0x90): Promise<number> {
  assert.equal(await t.installForPersonalization(), 0x9000);
  const r = await t.blocks([{ p1, p2: 0, data: typeof data === 'string' ? fromHex(data) : data, expectsResponse: true }]);
  return r.sws[0]!;
}

const sw = (n: number) => toHex(Uint8Array.of(n >> 8, n & 0xff));

describe('JPKI applet management: STORE DATA sequences', () => {
  it('writes a certificate chained over many blocks, and nothing of it before the last byte arrives', async () => {
    const { e, t } = await fresh();
    const cert = (await personalised()).certificates.authCa;
    const blocks = storeDataBlocks([putCertificateCommand(EF.AUTH_CA_CERT, cert)], { blockLength: 100 });
    assert.ok(blocks.length >= 10);
    assert.deepEqual(
      blocks.map((b) => b.p2),
      blocks.map((_, i) => i),
    );
    assert.deepEqual(
      blocks.map((b) => b.p1),
      blocks.map((_, i) => (i === blocks.length - 1 ? 0x90 : 0x10)),
    );
    // Another certificate there first, so that the chained write below shows when it lands.
    const other = (await personalised()).certificates.signCa;
    assert.deepEqual((await t.manage([putCertificateCommand(EF.AUTH_CA_CERT, other)])).sws.at(-1), 0x9000);
    const before = e.host.document;
    assert.equal(await t.installForPersonalization(), 0x9000);
    for (const [i, b] of blocks.entries()) {
      const r = await t.blocks([b]);
      assert.deepEqual(r.sws, [0x9000]);
      const stored = dataOf(e.host.document).certificates[EF.AUTH_CA_CERT];
      if (i < blocks.length - 1) assert.equal(stored, dataOf(before).certificates[EF.AUTH_CA_CERT]);
      else assert.equal(stored, toHex(cert));
    }
  });

  const cases: [string, (blocks: StoreDataBlock[]) => StoreDataBlock[], number][] = [
    ['a gap (00 01 03)', (b) => [b[0]!, b[1]!, b[3]!], 2],
    ['a repeated block (00 01 01)', (b) => [b[0]!, b[1]!, b[1]!], 2],
    ['a sequence not starting at 00', (b) => [b[1]!], 0],
    ['a block number going back (00 01 02 01)', (b) => [b[0]!, b[1]!, b[2]!, b[1]!], 3],
    ['a block after the last one', (b) => [{ ...b[0]!, p1: 0x90 }, b[1]!], 1],
  ];
  for (const [what, mangle, refused] of cases) {
    it(`refuses ${what} with 6A86, writes nothing, and aborts the sequence`, async () => {
      const { e, t } = await fresh();
      const blocks = storeDataBlocks([setReferenceDataCommand(EF.AUTH_PIN, '4444'), putCertificateCommand(EF.SIGN_CA_CERT, (await personalised()).certificates.authCa)], { blockLength: 64 });
      const before = e.host.document;
      assert.equal(await t.installForPersonalization(), 0x9000);
      const sent = mangle(blocks);
      const sws: number[] = [];
      for (const b of sent) sws.push((await t.blocks([b])).sws[0]!);
      assert.equal(sw(sws[refused]!), '6A86', sws.map(sw).join(' '));
      // The PIN object completed in block 00 was saved (its block succeeded); the certificate never was.
      assert.equal(dataOf(e.host.document).certificates[EF.SIGN_CA_CERT], dataOf(before).certificates[EF.SIGN_CA_CERT]);
      // Whatever comes next, only a new sequence (block 00) is accepted.
      const next = blocks[Math.min(refused + 1, blocks.length - 1)]!;
      if (next.p2 !== 0) assert.equal(sw((await t.blocks([next])).sws[0]!), '6A86');
      const again = await t.manage([putCertificateCommand(EF.SIGN_CA_CERT, (await personalised()).certificates.authCa)], { blockLength: 64 });
      assert.ok(again.sws.every((s) => s === 0x9000));
      assert.equal(dataOf(e.host.document).certificates[EF.SIGN_CA_CERT], toHex((await personalised()).certificates.authCa));
    });
  }

  it('refuses a last block that ends inside a data object (6A80)', async () => {
    const { e, t } = await fresh();
    const before = e.host.document;
    const blocks = storeDataBlocks([putCertificateCommand(EF.SIGN_CA_CERT, (await personalised()).certificates.authCa)], { blockLength: 200 });
    assert.equal(await t.installForPersonalization(), 0x9000);
    const r = await t.blocks([blocks[0]!, { ...blocks[1]!, p1: 0x90 }]);
    assert.deepEqual(r.sws.map(sw), ['9000', '6A80']);
    assert.equal(e.host.document.replace(/"lifeCycle":\d+/, ''), before.replace(/"lifeCycle":\d+/, ''));
  });

  it('accepts only BER-TLV without general encryption information in P1 (6A86 for DGI, encrypted, RFU bits)', async () => {
    const { e, t } = await fresh();
    const before = e.host.document;
    for (const p1 of [0x80, 0x88, 0x98, 0xb0, 0xd0, 0xf0, 0x92, 0x94, 0x00, 0x08]) {
      assert.equal(sw(await single(t, getStateCommand(), p1)), '6A86', p1.toString(16));
    }
    for (const p1 of [0x90, 0x91]) assert.equal(sw(await single(t, getStateCommand(), p1)), '9000');
    assert.equal(e.host.document, before);
  });

  it('splits anywhere: any block length gives the same results', async () => {
    const { t } = await fresh();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 300 }), async (blockLength) => {
        const r = await t.manage([setReferenceDataCommand(EF.AUTH_PIN, '2468'), getStateCommand(), setReferenceDataCommand(EF.AUTH_PIN, '1234'), getStateCommand()], { blockLength });
        assert.ok(r.sws.every((s) => s === 0x9000));
        assert.equal(r.results.length, 2);
        for (const s of r.results as StateResult[]) assert.deepEqual(s.pins, { '0018': 3, '001B': 5 });
      }),
      { numRuns: 25 },
    );
  });
});

describe('JPKI applet management: hostile data objects', () => {
  const table: [string, string, string][] = [
    ['unknown tag', 'E800', '6A80'],
    ['a primitive tag', '8000', '6A80'],
    ['a two-byte tag', 'BF2100', '6A80'],
    ['padding byte', '00', '6A80'],
    ['GENERATE without its FID', 'E100', '6A80'],
    ['GENERATE for a PIN EF', 'E10483020018', '6A80'],
    ['GENERATE for a certificate EF', 'E1048302000A', '6A80'],
    ['GENERATE with a 3-byte FID', 'E105830300170000'.slice(0, 14), '6A80'],
    ['GENERATE with two FIDs', 'E108830200178302001A', '6A80'],
    ['GENERATE with a constructed FID', 'E104A3020017', '6A80'],
    ['GENERATE with an inner length overrun', 'E10483050017', '6A80'],
    ['WIPE with content', 'E5028000', '6A80'],
    ['indefinite length', 'E580', '6A80'],
    ['non-minimal length 81', 'E5810000', '6A80'],
    ['non-minimal length 82', 'E582000000', '6A80'],
    ['three length bytes', 'E283000100', '6A80'],
    ['too long for the applet', 'E2823000', '6A84'],
    ['PUT CERTIFICATE into EF 0006', 'E2088302000680020102', '6A80'],
    ['PUT CERTIFICATE of garbage', `E282010883020002808201003082${'00FC'}${'00'.repeat(252)}`, '6A80'],
    ['PUT CERTIFICATE shorter than 256 bytes', 'E20E8302000280083006020101020102', '6A80'],
    ['PUT CERTIFICATE without content', 'E20483020002', '6A80'],
    ['SET REFERENCE DATA on a key EF', 'E30A83020017800431323334', '6A80'],
    ['SET REFERENCE DATA with a constructed value', 'E30A83020018A00480023132', '6A80'],
    ['SET REFERENCE DATA with a constructed FID', 'E30AA3020018800431323334', '6A80'],
    ['REVOKE a CA certificate', 'E4048302000B', '6A80'],
    ['REVOKE by key FID', 'E40483020017', '6A80'],
    ['GET PUBLIC KEY of a certificate EF', 'E60483020001', '6A80'],
    ['GET STATE with content', 'E7028000', '6A80'],
    ['a valid command followed by garbage', 'E30A83020018800439393939FF', '6A80'],
    ['a valid command followed by an unknown one', 'E30A83020018800439393939E800', '6A80'],
    ['a valid command followed by a bad one', 'E30A83020018800439393939E4048302000B', '6A80'],
    ['a valid command cut short', 'E30A830200188004393939', '6A80'],
  ];
  for (const [what, data, expected] of table) {
    it(`${what} → ${expected}, nothing changed`, async () => {
      const { e, t } = await fresh();
      const before = e.host.document;
      assert.equal(sw(await single(t, data)), expected);
      assert.equal(e.host.document, before);
    });
  }

  it('a block completing more than 16 objects, or 3 key generations, is refused (6A80) before anything runs', async () => {
    const { e, t } = await fresh();
    const before = e.host.document;
    assert.equal(sw(await single(t, 'E700'.repeat(17))), '6A80');
    assert.equal(sw(await single(t, 'E10483020017'.repeat(3))), '6A80');
    assert.equal(sw(await single(t, 'E10483020017'.repeat(10000))), '6A80');
    assert.equal(e.host.document, before);
    const sixteen = await t.manage(Array.from({ length: 16 }, () => getStateCommand()));
    assert.equal(sixteen.results.length, 16);
  });

  it('an empty STORE DATA is 6700', async () => {
    const { e, t } = await fresh();
    const before = e.host.document;
    assert.equal(sw(await single(t, new Uint8Array(0))), '6700');
    assert.equal(e.host.document, before);
  });

  it('a certificate for the other key, or for no key, is refused (6A80, 6985)', async () => {
    const { e, t } = await fresh();
    const { certificates } = await personalised();
    const before = e.host.document;
    assert.equal(sw(await single(t, putCertificateCommand(EF.SIGN_CERT, certificates.auth).slice())), '6A80');
    assert.equal(sw(await single(t, putCertificateCommand(EF.AUTH_CERT, certificates.sign))), '6A80');
    assert.equal(e.host.document, before);
    const empty = await element();
    const t2 = await tsm(empty);
    assert.equal(sw(await single(t2, putCertificateCommand(EF.AUTH_CERT, certificates.auth))), '6985');
    assert.equal(sw(await single(t2, putCertificateCommand(EF.AUTH_CA_CERT, certificates.authCa))), '9000');
  });

  it('random data objects (fast-check) get a status word, never 6F00, and change nothing unless accepted', async () => {
    let { e, t } = await fresh();
    const tagged = fc.tuple(fc.constantFrom(0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7), fc.uint8Array({ maxLength: 40 })).map(([tag, rest]) => Uint8Array.of(tag, ...rest));
    const nested = fc
      .tuple(fc.constantFrom(0xe1, 0xe2, 0xe3, 0xe4, 0xe6), fc.constantFrom(0x83, 0x80, 0x81, 0xa0), fc.uint8Array({ maxLength: 6 }))
      .map(([tag, inner, value]) => Uint8Array.of(tag, value.length + 2, inner, value.length, ...value));
    const allowed = new Set(['9000', '6A80', '6A84', '6A86', '6700', '6A88', '6984', '6985']);
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 40 }), tagged, nested), fc.constantFrom(0x90, 0x10), async (data, p1) => {
        const before = e.host.document;
        const answer = sw(await single(t, data, p1));
        assert.ok(allowed.has(answer), `${toHex(data)} → ${answer}`);
        if (answer !== '9000') assert.equal(e.host.document, before, toHex(data));
        else if (e.host.document !== before) ({ e, t } = await fresh()); // accepted (e.g. E5 00): start again from the personalised state
        parseAppletData(dataOf(e.host.document));
      }),
      { numRuns: 300 },
    );
  });
});

describe('JPKI applet management: no half-applied change', () => {
  it('every saved document is whole: certificates always match their keys, counters within range, format valid', async () => {
    const e = await element();
    const t = await tsm(e);
    const { certificates } = await personalised();
    // A whole life: generate, write (several blocks), fail half-way, revoke, generate again, wipe.
    const generated = await t.manage([
      fromHex('E10483020017'),
      fromHex('E1048302001A'),
    ]);
    assert.ok(generated.sws.every((s) => s === 0x9000));
    assert.equal(sw(await single(t, putCertificateCommand(EF.AUTH_CERT, certificates.auth))), '6A80'); // not this key's certificate
    const before = e.host.document;
    const failing = storeDataBlocks([setReferenceDataCommand(EF.AUTH_PIN, '1357'), putCertificateCommand(EF.AUTH_CA_CERT, certificates.authCa), fromHex('E4048302000B')], { blockLength: 5000 });
    assert.equal(failing.length, 1);
    assert.equal(await t.installForPersonalization(), 0x9000);
    assert.deepEqual((await t.blocks(failing)).sws.map(sw), ['6A80']);
    assert.equal(e.host.document, before, 'a block failing on its third object applies neither of the first two');
    await t.manage([setReferenceDataCommand(EF.AUTH_PIN, '1357'), setReferenceDataCommand(EF.SIGN_PASSWORD, 'PASS1357'), putCertificateCommand(EF.AUTH_CA_CERT, certificates.authCa)], { blockLength: 50 });
    await t.manage([fromHex('E4048302000A'), fromHex('E10483020017'), fromHex('E5' + '00')]);
    assert.ok(e.host.saves.length > 20);
    for (const [i, doc] of e.host.saves.entries()) {
      const { data, lifeCycle } = JSON.parse(doc) as { data: unknown; lifeCycle: number };
      const parsed = parseAppletData(data);
      for (const [key, cert] of [
        [EF.AUTH_KEY, EF.AUTH_CERT],
        [EF.SIGN_KEY, EF.SIGN_CERT],
      ] as const) {
        const c = parsed.certificates[cert];
        if (c === undefined) continue;
        const entry = parsed.keys[key];
        assert.ok(entry !== undefined, `save ${i}: certificate ${cert} without key`);
        if ('pkcs8' in entry) assert.deepEqual(spkiOfPkcs8(entry.pkcs8), parseCertificate(fromHex(c)).subjectPublicKeyInfo, `save ${i}`);
      }
      assert.ok([0x07, 0x0f, 0x17].includes(lifeCycle));
    }
  });
});
