import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { command, type CommandApdu } from '../../../src/apdu/index.js';
import { concat, fromHex, hex, toHex } from '../../../src/bytes/index.js';
import { AesCmac, Scp03CardSession, Scp03HostSession, scp03KeySet } from '../../../src/crypto/index.js';
import { araRule, deriveIsdKeys, identityFromCplc, parseBatchResults, parseComponentSecret, Sealer, temporarySecrets } from '../../../src/services/tsm/index.js';
import { initializeUpdate, openSession, unwrapResponse, wrapCommand, type CommandSnapshot } from '../../../src/services/tsm/scp03-pipeline.js';
import { seededRandom } from '../../helpers/vectors.js';

/** The TSMs' building blocks, each against an independent computation or the other side of the protocol. */

const CPLC = hex('4A50 5345 4A4D 6319 0100 6319 1A2B3C4D 5E6F 0000 6319 0000 6319 0000 6319 00000000 0000 6319 00000000');

describe('secure element identity from the CPLC', () => {
  it('names the chip by fabricator, type, serial and batch; the KDD is the same fields', () => {
    const id = identityFromCplc(CPLC);
    assert.equal(id.seId, '4A505345-1A2B3C4D-5E6F');
    assert.equal(toHex(id.kdd), '4A5053451A2B3C4D5E6F');
    assert.deepEqual(identityFromCplc(concat(hex('9F7F2A'), CPLC)), id, 'the GET DATA answer with its tag is taken too');
  });

  it('refuses another length and a chip with no serial number', () => {
    assert.throws(() => identityFromCplc(CPLC.subarray(1)), { code: 'ERR_TSM_CPLC' });
    assert.throws(() => identityFromCplc(concat(CPLC, hex('00'))), { code: 'ERR_TSM_CPLC' });
    const blank = Uint8Array.from(CPLC);
    blank.fill(0, 12, 16);
    assert.throws(() => identityFromCplc(blank), { code: 'ERR_TSM_CPLC' });
  });
});

describe('sealing of secrets at rest', () => {
  const secret = seededRandom(1)(32);
  it('opens what it sealed for the same row only, and nothing that was changed', () => {
    const s = new Sealer(secret, 'sp', seededRandom(2));
    const sealed = s.sealJson({ enc: 'AB' }, 'sp-apsd-keys:X:49');
    assert.deepEqual(s.openJson(sealed, 'sp-apsd-keys:X:49'), { enc: 'AB' });
    assert.throws(() => s.open(sealed, 'sp-apsd-keys:Y:49'), { code: 'ERR_TSM_SEALED' });
    for (const at of [0, 1, 13, sealed.length - 1]) {
      const bad = Uint8Array.from(sealed);
      bad[at] = bad[at]! ^ 1;
      assert.throws(() => s.open(bad, 'sp-apsd-keys:X:49'), { code: 'ERR_TSM_SEALED' }, `byte ${at}`);
    }
    assert.throws(() => s.open(sealed.subarray(0, 20), 'sp-apsd-keys:X:49'), { code: 'ERR_TSM_SEALED' });
    assert.throws(() => new Sealer(secret, 'sei').open(sealed, 'sp-apsd-keys:X:49'), { code: 'ERR_TSM_SEALED' }, 'another purpose, another key');
  });

  it('takes component secrets as 64 hex digits only', () => {
    assert.equal(parseComponentSecret(`${'ab'.repeat(32)}\n`, 'x').length, 32);
    for (const bad of ['', 'ab'.repeat(31), 'zz'.repeat(32), 'ab'.repeat(33)]) assert.throws(() => parseComponentSecret(bad, 'x'), { code: 'ERR_TSM_CONFIG' });
  });
});

describe('ISD key derivation', () => {
  const dk = Uint8Array.from({ length: 32 }, (_, i) => i);
  const kdd = hex('4A5053451A2B3C4D5E6F');

  it('is the SCP03 KDF (Amendment D 4.1.5) with constants 01/02/03 over "JPKI-SEI-ISD" || KDD, recomputed here with AES-CMAC', () => {
    const keys = deriveIsdKeys(dk, kdd, 0x31);
    const cmac = new AesCmac(dk);
    const block = (constant: number) => concat(new Uint8Array(11), Uint8Array.of(constant, 0x00, 0x00, 0x80, 0x01), new TextEncoder().encode('JPKI-SEI-ISD'), kdd);
    assert.equal(toHex(keys.enc), toHex(cmac.mac(block(1))));
    assert.equal(toHex(keys.mac), toHex(cmac.mac(block(2))));
    assert.equal(toHex(keys.dek), toHex(cmac.mac(block(3))));
    assert.equal(keys.kvn, 0x31);
  });

  it('gives every element its own keys', () => {
    const a = deriveIsdKeys(dk, kdd, 0x31);
    const b = deriveIsdKeys(dk, hex('4A5053451A2B3C4D5E70'), 0x31);
    assert.notEqual(toHex(a.enc), toHex(b.enc));
    assert.notEqual(toHex(a.enc), toHex(a.mac));
  });
});

describe('temporary PIN and password', () => {
  it('are 4 digits and 16 of A-Z 0-9, drawn without bias from the randomness given', () => {
    const random = seededRandom(7);
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const t = temporarySecrets(random);
      assert.match(t.pin, /^[0-9]{4}$/);
      assert.match(t.password, /^[A-Z0-9]{16}$/);
      for (const c of t.pin + t.password) seen.add(c);
    }
    assert.equal(seen.size, 36, 'every character appears');
    // Bytes 250..255 (PIN) and 252..255 (password) are refused: a source giving only those and then one good byte still ends.
    const skewed = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i === n - 1 ? 3 : 255));
    assert.deepEqual(temporarySecrets(skewed), { pin: '3333', password: 'DDDDDDDDDDDDDDDD' });
  });
});

describe('SCP03 for relayed batches', () => {
  const keys = scp03KeySet(0x30, seededRandom(3)(16), seededRandom(4)(16), seededRandom(5)(16));
  const sdAid = hex('A000000151000000');
  const context = { keys, i: 0x70, keyDiversificationData: hex('00010203040506070809'), sdAid, sequenceCounter: 1 };
  const commands: CommandApdu[] = [
    command(0x80, 0xe6, 0x0c, 0x00, seededRandom(6)(40), 256),
    command(0x80, 0xf0, 0x40, 0x0f, sdAid),
    command(0x80, 0xe2, 0x90, 0x00, seededRandom(8)(239), 65536, { extended: true }),
    command(0x80, 0xca, 0x00, 0x66, undefined, 256),
  ];

  it('wraps a whole batch ahead exactly as a sequential host session would, and checks each response against its command\'s snapshot', () => {
    const challenge = seededRandom(9)(8);
    const card = new Scp03CardSession();
    const iu = card.initializeUpdate(initializeUpdate(0x00, challenge), context);
    const opened = openSession(iu, challenge, (kvn) => (kvn === 0x30 ? keys : undefined), 0x33);
    // A sequential host with the same challenge builds the same EXTERNAL AUTHENTICATE and the same wrapped commands.
    const host = new Scp03HostSession({ keys, random: () => challenge });
    host.initializeUpdate(0);
    host.onInitializeUpdateResponse(iu);
    assert.deepEqual(opened.externalAuthenticate, host.externalAuthenticate(0x33));
    host.onExternalAuthenticateResponse({ data: new Uint8Array(0), sw: 0x9000 });
    assert.equal(card.externalAuthenticate(opened.externalAuthenticate).sw, 0x9000);
    const wrapped: { wire: CommandApdu; snapshot: CommandSnapshot }[] = commands.map((c) => wrapCommand(opened.state, c));
    wrapped.forEach((w, i) => assert.deepEqual(w.wire, host.wrap(commands[i]!), `command ${i}`));
    // The card answers them in order; the responses are checked only afterwards, each with its snapshot.
    const answers = wrapped.map((w, i) => {
      const plain = card.unwrapCommand(w.wire);
      assert.equal(toHex(plain.data), toHex(commands[i]!.data));
      return card.wrapResponse({ data: Uint8Array.of(i, i, i), sw: 0x9000 });
    });
    answers.forEach((a, i) => assert.deepEqual(unwrapResponse(opened.state, wrapped[i]!.snapshot, a), { data: Uint8Array.of(i, i, i), sw: 0x9000 }));
    const tampered = { data: Uint8Array.from(answers[1]!.data), sw: 0x9000 };
    tampered.data[0] = tampered.data[0]! ^ 1;
    assert.throws(() => unwrapResponse(opened.state, wrapped[1]!.snapshot, tampered), { code: 'ERR_TSM_SECURE_CHANNEL' });
    assert.throws(() => unwrapResponse(opened.state, wrapped[0]!.snapshot, answers[1]!), { code: 'ERR_TSM_SECURE_CHANNEL' }, 'another command\'s snapshot');
    assert.deepEqual(unwrapResponse(opened.state, wrapped[2]!.snapshot, { data: new Uint8Array(0), sw: 0x6a80 }), { data: new Uint8Array(0), sw: 0x6a80 }, 'an error carries no R-MAC');
  });

  it('refuses a card that answers with a key set it does not hold, a wrong cryptogram, or an error', () => {
    const challenge = seededRandom(10)(8);
    const iu = new Scp03CardSession().initializeUpdate(initializeUpdate(0x00, challenge), context);
    assert.throws(() => openSession(iu, challenge, () => undefined, 0x33), { code: 'ERR_TSM_SECURE_CHANNEL' });
    const other = scp03KeySet(0x30, seededRandom(11)(16), keys.mac.map((b) => b ^ 1), keys.dek);
    assert.throws(() => openSession(iu, challenge, () => other, 0x33), { code: 'ERR_TSM_SECURE_CHANNEL' });
    assert.throws(() => openSession({ data: new Uint8Array(0), sw: 0x6a88 }, challenge, () => keys, 0x33), { code: 'ERR_TSM_SECURE_CHANNEL' });
    assert.throws(() => openSession({ data: new Uint8Array(5), sw: 0x9000 }, challenge, () => keys, 0x33), { code: 'ERR_TSM_SECURE_CHANNEL' });
  });
});

describe('the ARA-M rule the SEI stores', () => {
  it('is Command-Store-REF-AR-DO { REF-DO { JPKI AID, SHA-256 }, AR-DO { APDU ALWAYS, NFC ALWAYS } }, byte for byte', () => {
    const h = fromHex('11'.repeat(32));
    assert.equal(toHex(araRule(h)), `F03AE238E12E4F0AD392F000260100000001C120${'11'.repeat(32)}E306D00101D10101`);
  });
});

describe('batch results as the app sends them', () => {
  it('takes hex responses and an optional phone-side error, uppercase', () => {
    assert.deepEqual(parseBatchResults({ responses: ['9000', 'ab6a88'] }), { responses: ['9000', 'AB6A88'] });
    assert.deepEqual(parseBatchResults({ responses: [], error: { code: 'channel-lost' } }), { responses: [], error: { code: 'channel-lost', detail: '' } });
  });

  const bad: [string, unknown][] = [
    ['not an object', []],
    ['no responses', {}],
    ['responses not an array', { responses: '9000' }],
    ['a number', { responses: [9000] }],
    ['odd hex', { responses: ['900'] }],
    ['one byte', { responses: ['90'] }],
    ['not hex', { responses: ['90GG'] }],
    ['too many', { responses: Array(513).fill('9000') }],
    ['an unknown member', { responses: [], more: true }],
    ['an error without code', { responses: [], error: {} }],
    ['an error code with capitals', { responses: [], error: { code: 'Lost' } }],
    ['a long detail', { responses: [], error: { code: 'x', detail: 'd'.repeat(501) } }],
    ['an unknown error member', { responses: [], error: { code: 'x', why: 1 } }],
  ];
  for (const [name, value] of bad) {
    it(`refuses ${name}`, () => assert.throws(() => parseBatchResults(value), { code: 'ERR_REQUEST_FIELD' }));
  }
});
