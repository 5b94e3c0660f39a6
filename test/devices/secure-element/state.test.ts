import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { concat, fromHex, hex, toHex } from '../../../src/bytes/index.js';
import { GP_TEST_KEY } from '../../../src/crypto/index.js';
import { MemoryCardStore } from '../../../src/card/index.js';
import {
  ARA_M_AID,
  buildLoadFile,
  Catalogue,
  createElement,
  CPLC_LENGTH,
  decodeCplc,
  loadFileDataBlock,
  loadFileDataBlockHash,
  packageDescription,
  parseLoadFile,
  parsePackageImage,
  parseSeState,
  SecureElement,
  summariseElement,
  type SeState,
} from '../../../src/devices/secure-element/index.js';
import { seededRandom } from '../../helpers/vectors.js';
import { installForInstall, isdSession, newElement, OTHER_PACKAGE, TEST_PACKAGE, TEST_PACKAGE_AID, TEST_MODULE_AID } from './helpers.js';

/**
 * The element's document: creation in both profiles, card data, validation of what is read back,
 * the catalogue check; and the load file format.
 */

const NOW = new Date('2026-11-15T09:00:00Z');

type Mutable = Record<string, unknown>;
function mutate(state: SeState, change: (doc: Mutable & { registry: Mutable[]; card: Mutable }) => void): unknown {
  const doc = structuredClone(state) as unknown as Mutable & { registry: Mutable[]; card: Mutable };
  change(doc);
  return doc;
}

describe('secure element: creation and state document', () => {
  it('development profile: the GP test keys as KVN 30 with i 70, SECURED, the security domain package loaded', () => {
    const { state, isdKeys } = createElement({ profile: 'development', random: seededRandom(1), now: NOW });
    assert.deepEqual([isdKeys.kvn, toHex(isdKeys.enc), toHex(isdKeys.mac), toHex(isdKeys.dek)], [0x30, toHex(GP_TEST_KEY), toHex(GP_TEST_KEY), toHex(GP_TEST_KEY)]);
    const isd = state.registry[0]!;
    assert.equal(isd.kind, 'application');
    assert.deepEqual([isd.aid, isd.lifeCycle, isd.kind === 'application' && isd.privileges], ['A000000151000000', 0x0f, '9AFE80']);
    assert.deepEqual(isd.kind === 'application' && isd.domain!.keySets, [{ kvn: 0x30, i: 0x70, enc: toHex(GP_TEST_KEY), mac: toHex(GP_TEST_KEY), dek: toHex(GP_TEST_KEY), counter: 0 }]);
    assert.deepEqual(state.registry.slice(1).map((e) => `${e.kind} ${e.aid}`), ['load-file A0000001515350']);
    assert.equal(state.profile, 'development');
  });

  it('production profile: random ISD keys, different for every element, of the length asked', () => {
    const a = createElement({ profile: 'production' });
    const b = createElement({ profile: 'production', keyLength: 32 });
    assert.notEqual(toHex(a.isdKeys.enc), toHex(GP_TEST_KEY));
    assert.notEqual(toHex(a.isdKeys.enc), toHex(a.isdKeys.mac));
    assert.notEqual(toHex(a.isdKeys.enc), toHex(b.isdKeys.enc));
    assert.equal(b.isdKeys.enc.length, 32);
    assert.equal(a.state.card.cin === b.state.card.cin, false, 'random card image numbers');
    assert.throws(() => createElement({ profile: 'production', keyLength: 20 as 16 }), { code: 'ERR_SE_OPTIONS' });
    assert.throws(() => createElement({ profile: 'staging' as 'production' }), { code: 'ERR_SE_OPTIONS' });
  });

  it('CPLC is 42 bytes with a random IC serial number and YDDD dates; the KDD comes from it', () => {
    const { state } = createElement({ profile: 'development', random: seededRandom(7), now: NOW });
    const cplc = fromHex(state.card.cplc);
    assert.equal(cplc.length, CPLC_LENGTH);
    const fields = Object.fromEntries(decodeCplc(cplc).map((f) => [f.name, f.value]));
    assert.equal(fields['IC fabricator'], '4A50');
    assert.equal(fields['IC fabrication date'], '6319', '2026-11-15 is day 319');
    assert.equal(fields['IC personalization date'], '6319');
    assert.equal(state.card.kdd, `4A505345${fields['IC serial number']}${fields['IC batch identifier']}`);
    const other = createElement({ profile: 'development', random: seededRandom(8), now: NOW });
    assert.notEqual(decodeCplc(fromHex(other.state.card.cplc))[6]!.value, fields['IC serial number']);
  });

  it('refuses documents that are not an element, naming the problem', () => {
    const { state } = createElement({ profile: 'development', random: seededRandom(1), now: NOW });
    assert.deepEqual(parseSeState(JSON.parse(JSON.stringify(state))), state);
    const broken: unknown[] = [
      null,
      { ...state, format: 'jpki-mobile/id-card/v1' },
      mutate(state, (d) => (d.atr = '00')),
      mutate(state, (d) => (d.card.cplc = 'AB')),
      mutate(state, (d) => (d.card.kdd = 'zz')),
      mutate(state, (d) => d.registry.reverse()),
      mutate(state, (d) => d.registry.push(structuredClone(d.registry[1]!))),
      mutate(state, (d) => ((d.registry[0]!.domain as { keySets: Mutable[] }).keySets[0]!.mac = '00')),
      mutate(state, (d) => ((d.registry[0]!.domain as { keySets: Mutable[] }).keySets[0]!.counter = 0x1000000)),
      mutate(state, (d) => ((d.registry[0]!.domain as { keySets: Mutable[] }).keySets.push({ ...(d.registry[0]!.domain as { keySets: Mutable[] }).keySets[0]! }))),
      mutate(state, (d) => (d.registry[0]!.lifeCycle = 0x03)),
      mutate(state, (d) => (d.registry[1]!.sd = 'A0000000000001')),
      mutate(state, (d) => (d.registry[1]!.kind = 'package')),
      mutate(state, (d) => d.registry.push({ kind: 'application', aid: 'F0000000010001AA', serial: 0, lifeCycle: 7, privileges: '000000', loadFile: 'A0000001515350', module: 'A000000151535041', sd: 'A000000151000000', interfaces: 0x80, data: null })),
      mutate(state, (d) => d.registry.push({ kind: 'application', aid: 'F0000000010001AA', serial: 1, lifeCycle: 7, privileges: '000000', loadFile: 'F0000000010001', module: 'F000000001000101', sd: 'A000000151000000', interfaces: 0x80, data: null })),
      mutate(state, (d) => d.registry.push({ kind: 'application', aid: 'F0000000010001AA', serial: 1, lifeCycle: 7, privileges: '000000', loadFile: 'A0000001515350', module: 'A000000151535041', sd: 'A000000151000000', interfaces: 0x20, data: null })),
    ];
    for (const [i, doc] of broken.entries()) assert.throws(() => parseSeState(doc), { code: 'ERR_SE_STATE' }, `document ${i}`);
  });

  it('opening needs the catalogue the load files came from', async () => {
    const te = await newElement();
    await isdSession(te.contact, 0x03);
    await te.contact.loadPackage(TEST_PACKAGE);
    const saved = JSON.parse(te.store.snapshot!) as SeState;
    await assert.rejects(SecureElement.open(new MemoryCardStore(saved), { packages: [] }), { code: 'ERR_SE_CATALOGUE' });
    await assert.rejects(SecureElement.open(new MemoryCardStore(saved), { packages: [{ ...TEST_PACKAGE, version: [1, 3] }] }), { code: 'ERR_SE_CATALOGUE' }, 'another version under the same AID');
    await SecureElement.open(new MemoryCardStore(saved), { packages: [TEST_PACKAGE] });
    assert.throws(() => new Catalogue([TEST_PACKAGE, { ...OTHER_PACKAGE, aid: TEST_PACKAGE.aid }]), { code: 'ERR_SE_CATALOGUE' });
    assert.throws(() => new Catalogue([TEST_PACKAGE, { ...OTHER_PACKAGE, modules: TEST_PACKAGE.modules }]), { code: 'ERR_SE_CATALOGUE' });
  });

  it('the ARA-M is never made available on the contactless interface', async () => {
    const te = await newElement();
    await isdSession(te.contact, 0x03);
    await te.contact.loadPackage(TEST_PACKAGE);
    const ara = toHex(ARA_M_AID);
    assert.equal(await te.contact.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, ara, { parameters: hex('C900EF07A005A5038201C0') })), '6A80');
    assert.equal(await te.contact.ssw(installForInstall(TEST_PACKAGE_AID, TEST_MODULE_AID, ara)), '9000');
  });

  it('summarises the registry for people, without a key', async () => {
    const te = await newElement();
    const summary = summariseElement(te.element.state, te.element.catalogue);
    assert.equal(summary.card.lifeCycle, 'SECURED');
    assert.deepEqual(summary.registry[0], {
      kind: 'issuer security domain',
      aid: 'A000000151000000',
      lifeCycle: 'SECURED',
      lifeCycleCode: '0F',
      privileges: { code: '9AFE80', names: ['Security Domain', 'Card Lock', 'Card Terminate', 'CVM Management', 'Trusted Path', 'Authorized Management', 'Token Verification', 'Global Delete', 'Global Lock', 'Global Registry', 'Final Application', 'Receipt Generation'] },
      associatedDomain: 'A000000151000000',
      interfaces: ['contact'],
      keySets: [{ kvn: '30', type: 'AES-128', counter: 0 }],
    });
    assert.ok(!JSON.stringify(summary).includes(toHex(GP_TEST_KEY)));
  });
});

describe('secure element: load file format', () => {
  it('a load file is C4 around the package image; its hash is SHA-256 of the image', () => {
    const block = loadFileDataBlock(TEST_PACKAGE);
    const file = buildLoadFile(TEST_PACKAGE);
    assert.equal(toHex(file), `C4${block.length.toString(16).toUpperCase()}${toHex(block)}`);
    assert.deepEqual(parseLoadFile(file), { dapBlocks: 0, dataBlock: block });
    assert.equal(toHex(loadFileDataBlockHash(TEST_PACKAGE)), createHash('sha256').update(block).digest('hex').toUpperCase());
    const description = new TextDecoder().decode(packageDescription(TEST_PACKAGE));
    assert.equal(description, '{"format":"jpki-mobile/se-package/v1","aid":"F0000000010001","name":"Counter package","version":[1,2],"modules":[{"aid":"F000000001000101","name":"Counter"}]}');
    const image = parsePackageImage(block);
    assert.deepEqual(
      { aid: toHex(image.aid), name: image.name, version: image.version, modules: image.modules.map((m) => `${toHex(m.aid)} ${m.name}`), hash: toHex(image.descriptionHash) },
      { aid: TEST_PACKAGE_AID, name: 'Counter package', version: [1, 2], modules: [`${TEST_MODULE_AID} Counter`], hash: createHash('sha256').update(packageDescription(TEST_PACKAGE)).digest('hex').toUpperCase() },
    );
    assert.equal(toHex(block).slice(0, 10), `FE${(block.length - 2).toString(16).toUpperCase()}800101`);
  });

  it('reading refuses what is not a load file or a package image', () => {
    const block = loadFileDataBlock(TEST_PACKAGE);
    for (const bad of [hex(''), hex('C400'), hex('C405AABB'), hex('D40101'), concat(buildLoadFile(TEST_PACKAGE), hex('C400')), hex('FF')]) {
      assert.throws(() => parseLoadFile(bad), { code: 'ERR_SE_LOAD_FILE' }, toHex(bad));
    }
    for (const bad of [hex('FE00'), hex('E000'), block.slice(0, -1), concat(block, hex('00')), hex('FE0B8001024F05F000000001CE020100')]) {
      assert.throws(() => parsePackageImage(bad), { code: 'ERR_SE_LOAD_FILE' }, toHex(bad));
    }
    assert.throws(() => loadFileDataBlock({ ...TEST_PACKAGE, aid: hex('F0') }), { code: 'ERR_SE_LOAD_FILE' });
    assert.throws(() => loadFileDataBlock({ ...TEST_PACKAGE, modules: [] }), { code: 'ERR_SE_LOAD_FILE' });
    assert.throws(() => loadFileDataBlock({ ...TEST_PACKAGE, name: '' }), { code: 'ERR_SE_LOAD_FILE' });
  });
});
