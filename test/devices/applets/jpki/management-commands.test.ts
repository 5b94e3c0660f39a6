import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encodeCommand } from '../../../../src/apdu/index.js';
import { concat, fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  EF,
  JpkiAppletError,
  generateKeyPairCommand,
  getPublicKeyCommand,
  getStateCommand,
  parseManagementResponses,
  putCertificateCommand,
  revokeCommand,
  setReferenceDataCommand,
  storeDataBlocks,
  storeDataCommand,
  wipeCommand,
  type KeyFid,
} from '../../../../src/devices/applets/jpki/index.js';

/*
 * The host-side builder the SP-TSM uses: the exact bytes of each management command (the format of
 * docs/devices/jpki-applet.md), STORE DATA blocks, and the parser of the applet's answers.
 */

const h = (b: Uint8Array) => toHex(b);

function rsaSpki(): Uint8Array {
  return new Uint8Array(createPublicKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey).export({ type: 'spki', format: 'der' }));
}

/** A public-key answer `<tag> { 83 02 <FID>, 80 <body> }` with minimal BER lengths. */
function publicKey(fid: string, body: Uint8Array, tag = 'E1'): Uint8Array {
  const length = (n: number) => (n < 128 ? Uint8Array.of(n) : n < 256 ? Uint8Array.of(0x81, n) : Uint8Array.of(0x82, n >> 8, n & 0xff));
  const inner = concat(fromHex(`8302${fid}`), fromHex('80'), length(body.length), body);
  return concat(fromHex(tag), length(inner.length), inner);
}

describe('JPKI applet management commands: exact bytes', () => {
  it('builds each data object as documented', () => {
    assert.equal(h(generateKeyPairCommand(EF.AUTH_KEY)), 'E10483020017');
    assert.equal(h(generateKeyPairCommand(EF.SIGN_KEY)), 'E1048302001A');
    assert.equal(h(getPublicKeyCommand(EF.SIGN_KEY)), 'E6048302001A');
    assert.equal(h(setReferenceDataCommand(EF.AUTH_PIN, '1234')), 'E30A83020018800431323334');
    assert.equal(h(setReferenceDataCommand(EF.SIGN_PASSWORD, 'ABC123')), 'E30C8302001B8006414243313233');
    assert.equal(h(setReferenceDataCommand(EF.SIGN_PASSWORD, 'ABCDEFGHIJ123456')), 'E3168302001B8010' + h(new TextEncoder().encode('ABCDEFGHIJ123456')));
    assert.equal(h(revokeCommand(EF.SIGN_CERT)), 'E40483020001');
    assert.equal(h(revokeCommand(EF.AUTH_CERT)), 'E4048302000A');
    assert.equal(h(wipeCommand()), 'E500');
    assert.equal(h(getStateCommand()), 'E700');
    const der = concat(fromHex('308203E4'), new Uint8Array(996));
    assert.equal(h(putCertificateCommand(EF.AUTH_CA_CERT, der)), 'E28203F08302000B808203E8' + h(der));
    const small = concat(fromHex('308200FC'), new Uint8Array(252));
    assert.equal(h(putCertificateCommand(EF.SIGN_CERT, small)), 'E282010883020001808201' + '00' + h(small));
  });

  it('cuts a sequence into numbered blocks, marks the last, and sets b1 where a block completes an answering command', () => {
    const blocks = storeDataBlocks([generateKeyPairCommand(EF.AUTH_KEY), setReferenceDataCommand(EF.AUTH_PIN, '1234')], { blockLength: 8 });
    assert.deepEqual(
      blocks.map((b) => [b.p1, b.p2, h(b.data), b.expectsResponse]),
      [
        [0x11, 0, 'E10483020017E30A', true],
        [0x10, 1, '8302001880043132', false],
        [0x90, 2, '3334', false],
      ],
    );
    assert.equal(h(encodeCommand(storeDataCommand(blocks[0]!))), '80E2110000000 8E10483020017E30A0000'.replace(/ /g, ''));
    assert.equal(h(encodeCommand(storeDataCommand(blocks[2]!))), '80E29002023334');
    assert.equal(storeDataBlocks(Array.from({ length: 17 }, () => getStateCommand()), { blockLength: 16 }).length, 3);
    const one = storeDataBlocks([wipeCommand()]);
    assert.deepEqual(one.map((b) => [b.p1, b.p2, h(b.data)]), [[0x90, 0, 'E500']]);
    // The default block of 239 bytes fits a short APDU at level 33: 239 → 240 padded + 8 MAC = 248.
    const long = storeDataBlocks([putCertificateCommand(EF.AUTH_CA_CERT, concat(fromHex('308203E4'), new Uint8Array(996)))]);
    assert.deepEqual(long.map((b) => b.data.length), [239, 239, 239, 239, 56]);
  });

  it('refuses what the applet would refuse (ERR_JPKI_MANAGEMENT_PARAMS)', () => {
    const cases: [string, () => unknown][] = [
      ['generate for a PIN EF', () => generateKeyPairCommand(EF.AUTH_PIN as unknown as KeyFid)],
      ['public key of a certificate EF', () => getPublicKeyCommand('0001' as KeyFid)],
      ['certificate into EF 0006', () => putCertificateCommand('0006' as never, concat(fromHex('308200FC'), new Uint8Array(252)))],
      ['a certificate under 256 bytes', () => putCertificateCommand(EF.SIGN_CA_CERT, fromHex('3003020101'))],
      ['a certificate whose header lies', () => putCertificateCommand(EF.SIGN_CA_CERT, concat(fromHex('308200FD'), new Uint8Array(252)))],
      ['a certificate over 8192 bytes', () => putCertificateCommand(EF.SIGN_CA_CERT, concat(fromHex('30822000'), new Uint8Array(8192)))],
      ['a 3-digit PIN', () => setReferenceDataCommand(EF.AUTH_PIN, '123')],
      ['a PIN with a letter', () => setReferenceDataCommand(EF.AUTH_PIN, '12a4')],
      ['a lowercase password', () => setReferenceDataCommand(EF.SIGN_PASSWORD, 'abc123')],
      ['a 17-character password', () => setReferenceDataCommand(EF.SIGN_PASSWORD, 'A'.repeat(17))],
      ['a PIN on a key EF', () => setReferenceDataCommand('0017' as never, '1234')],
      ['revoking a CA certificate', () => revokeCommand('000B' as never)],
      ['an empty sequence', () => storeDataBlocks([])],
      ['a zero block length', () => storeDataBlocks([wipeCommand()], { blockLength: 0 })],
      ['a fractional block length', () => storeDataBlocks([wipeCommand()], { blockLength: 1.5 })],
      ['more than 256 blocks', () => storeDataBlocks([putCertificateCommand(EF.AUTH_CA_CERT, concat(fromHex('308203E4'), new Uint8Array(996)))], { blockLength: 3 })],
      ['a command that is not a data object', () => storeDataBlocks([Uint8Array.of(0xe5)])],
      ['17 commands in one block', () => storeDataBlocks(Array.from({ length: 17 }, () => getStateCommand()))],
      ['3 key generations in one block', () => storeDataBlocks([generateKeyPairCommand(EF.AUTH_KEY), generateKeyPairCommand(EF.SIGN_KEY), generateKeyPairCommand(EF.AUTH_KEY)])],
    ];
    for (const [what, fn] of cases) assert.throws(fn, { code: 'ERR_JPKI_MANAGEMENT_PARAMS' }, what);
  });
});

describe('JPKI applet management responses', () => {
  it('reads public keys and the state, in order', () => {
    const spki = rsaSpki();
    const key = publicKey('0017', spki);
    assert.equal(h(key.subarray(0, 12)), 'E182012E8302001780820126');
    const again = publicKey('0017', spki, 'E6');
    const state = fromHex(
      'E74B' +
        'A0078302001781 0101'.replace(/ /g, '') +
        'A0078302001A810102' +
        'A007830200018101 00'.replace(/ /g, '') +
        'A007830200028101 01'.replace(/ /g, '') +
        'A0078302000A810101' +
        'A0078302000B810101' +
        'A00A830200188101018201 02'.replace(/ /g, '') +
        'A0078302001B810100',
    );
    const results = parseManagementResponses(concat(key, again, state));
    assert.deepEqual(results, [
      { kind: 'generated', key: '0017', subjectPublicKeyInfo: spki },
      { kind: 'public-key', key: '0017', subjectPublicKeyInfo: spki },
      {
        kind: 'state',
        keys: { '0017': 'present', '001A': 'revoked' },
        certificates: { '0001': false, '0002': true, '000A': true, '000B': true },
        pins: { '0018': 2, '001B': undefined },
      },
    ]);
    assert.deepEqual(parseManagementResponses(new Uint8Array(0)), []);
  });

  it('refuses answers that are not the documented BER-TLV (ERR_JPKI_MANAGEMENT_RESPONSE)', () => {
    const spki = rsaSpki();
    const ec = new Uint8Array(createPublicKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey).export({ type: 'spki', format: 'der' }));
    const rsa1024 = new Uint8Array(createPublicKey(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey).export({ type: 'spki', format: 'der' }));
    const cases: [string, Uint8Array][] = [
      ['truncated', publicKey('0017', spki).subarray(0, 100)],
      ['a primitive answer', fromHex('8000')],
      ['an unknown tag', fromHex('E800')],
      ['a command echoed', fromHex('E500')],
      ['a public key of a PIN EF', publicKey('0018', spki)],
      ['an EC key', publicKey('0017', ec)],
      ['an RSA-1024 key', publicKey('001A', rsa1024)],
      ['not a key', publicKey('0017', new Uint8Array(40))],
      ['a public key without FID', fromHex('E10480020000')],
      ['a state with a missing EF', fromHex('E709A0078302001781 0101'.replace(/ /g, ''))],
      ['a state with an unknown EF', fromHex('E709A00783020006810100')],
      ['a state with a repeated EF', fromHex('E712A00783020017810101A00783020017810101')],
      ['a state with an impossible status', fromHex('E709A00783020001810102')],
      ['a PIN with 9 tries left', fromHex('E70CA00A83020018810101820109')],
      ['a state entry that is primitive', fromHex('E7028000')],
    ];
    for (const [what, data] of cases) assert.throws(() => parseManagementResponses(data), { code: 'ERR_JPKI_MANAGEMENT_RESPONSE' }, what);
  });

  it('never throws anything but its own error on random bytes (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.tuple(fc.constantFrom(0xe1, 0xe6, 0xe7), fc.uint8Array({ maxLength: 48 })).map(([t, rest]) => Uint8Array.of(t, rest.length, ...rest)),
        ),
        (data) => {
          try {
            parseManagementResponses(data);
          } catch (err) {
            assert.ok(err instanceof JpkiAppletError && err.code === 'ERR_JPKI_MANAGEMENT_RESPONSE', String(err));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
