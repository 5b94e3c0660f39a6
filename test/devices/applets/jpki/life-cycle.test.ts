import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusWordError } from '../../../../src/apdu/index.js';
import { bytesEqual, fromHex, toHex } from '../../../../src/bytes/index.js';
import {
  EF,
  JPKI_AID,
  JPKI_APPLET_ELF_AID,
  JPKI_APPLET_INSTANCE_AID,
  JPKI_APPLET_MODULE_AID,
  JPKI_APPLET_PACKAGE,
  LIFE_CYCLE,
  TOKEN_INFO_LENGTH,
  emptyAppletData,
  generateKeyPairCommand,
  getPublicKeyCommand,
  jpkiAppletModule,
  parseAppletData,
  putCertificateCommand,
  revokeCommand,
  setReferenceDataCommand,
  tokenLabel,
  type PublicKeyResult,
} from '../../../../src/devices/applets/jpki/index.js';
import { parseCertificate } from '../../../../src/pki/x509/index.js';
import { CARD_EXPIRY, PERSON, SELECT_AP, dataOf as responseData, selectEf, send, swOf, testCa, verifyApdu } from '../../id-card/helpers.js';
import { TestHost } from './fixtures/test-host.js';
import { PIN, dataOf, element, personalised, tsm } from './helpers.js';

/*
 * The applet before, between and after personalisations: what the user interface answers for what is
 * not there, the life cycle it moves itself through, the load file, and the checks on its data.
 */

const sw = (n: number) => toHex(Uint8Array.of(n >> 8, n & 0xff));

describe('JPKI applet: not personalised', () => {
  it('is selectable and answers 6A88 for every EF, key and PIN not written yet', async () => {
    const e = await element();
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.SELECTABLE);
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('0006')), '9000');
    const info = await send(e, '00B0000000');
    assert.equal(responseData(info).length, TOKEN_INFO_LENGTH);
    assert.equal(tokenLabel(responseData(info)), 'JPKIAPGPSETOKEN');
    assert.equal(await send(e, selectEf('0008')), '9000');
    assert.equal(await send(e, '00B0000003'), '0000009000');
    for (const fid of ['0001', '0002', '000A', '000B']) {
      assert.equal(await send(e, selectEf(fid)), '9000');
      assert.equal(await send(e, '00B0000004'), '6A88', fid);
    }
    for (const fid of ['0018', '001B']) {
      assert.equal(await send(e, selectEf(fid)), '9000');
      assert.equal(await send(e, '00200080'), '6A88');
      assert.equal(await send(e, verifyApdu('1234')), '6A88');
      assert.equal(await send(e, '002401800431323334'), '6A88');
    }
    for (const fid of ['0017', '001A']) {
      assert.equal(await send(e, selectEf(fid)), '9000');
      assert.equal(swOf(await send(e, '802A00800101' + '00')), '6A88');
    }
    // The rest of the user interface is the card's.
    assert.equal(await send(e, selectEf('0005')), '6A82');
    assert.equal(await send(e, '00B0000004'), '6981'); // the current EF is still key 001A
    assert.equal(await send(e, '00CA010000'), '6D00');
    assert.equal(await send(e, '00A4040C0AD392F000260100000002'), '6A82');
  });

  it('answers the same over the contactless interface', async () => {
    const e = await element((await personalised()).document);
    e.iface = 'contactless';
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('0018')), '9000');
    assert.equal(await send(e, verifyApdu(PIN)), '9000');
    assert.equal(await send(e, selectEf('000A')), '9000');
    assert.equal(swOf(await send(e, '00B0000004')), '9000');
  });

  it('moves itself SELECTABLE → PERSONALIZED with one usable key (auth only, as for a holder under 15)', async () => {
    const e = await element();
    const t = await tsm(e);
    const { certificates } = await personalised();
    const gen = await t.manage([generateKeyPairCommand(EF.AUTH_KEY)]);
    const spki = (gen.results[0] as PublicKeyResult).subjectPublicKeyInfo;
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.SELECTABLE);
    // The in-memory CA of the card tests certifies the key it is given.
    const issued = await testCa().issue({ person: PERSON, cardExpiry: CARD_EXPIRY, signPublicKey: certificatesKey(certificates.sign), authPublicKey: spki });
    await t.manage([putCertificateCommand(EF.AUTH_CERT, issued.authCertificate), putCertificateCommand(EF.AUTH_CA_CERT, issued.authCaCertificate)]);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.SELECTABLE, 'no PIN yet');
    await t.manage([setReferenceDataCommand(EF.AUTH_PIN, PIN)]);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.PERSONALIZED);
    assert.equal(await send(e, SELECT_AP), '9000');
    assert.equal(await send(e, selectEf('0008')), '9000');
    assert.equal(await send(e, '00B0000003'), '008F009000');
    assert.equal(await send(e, selectEf('001B')), '9000');
    assert.equal(await send(e, '00200080'), '6A88');
    assert.equal(await send(e, selectEf('001A')), '9000');
    assert.equal(swOf(await send(e, '802A00800101' + '00')), '6A88');
    // The token serial was drawn at the first key generation: 16 hex digits in EF 0006.
    assert.match(dataOf(e.host.document).serial!, /^[0-9A-F]{16}$/);
    assert.equal(await send(e, selectEf('0006')), '9000');
    const info = responseData(await send(e, '00B0000000'));
    assert.equal(new TextDecoder().decode(info.subarray(80, 96)), dataOf(e.host.document).serial);
  });

  it('revoked everywhere goes EMPTY; a new key and certificate make it PERSONALIZED again; a new key drops the old certificate', async () => {
    const e = await element((await personalised()).document);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.PERSONALIZED);
    const t = await tsm(e);
    assert.deepEqual((await t.manage([revokeCommand(EF.AUTH_CERT)])).sws, [0x9000]);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.PERSONALIZED);
    assert.deepEqual((await t.manage([revokeCommand(EF.SIGN_CERT), revokeCommand(EF.SIGN_CERT)])).sws, [0x9000]);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.EMPTY);
    const { certificates } = await personalised();
    // A revoked key: no public key (6984), no new certificate for it (6985).
    const gp = await t.manage([getPublicKeyCommand(EF.SIGN_KEY)]);
    assert.deepEqual(gp.sws.map(sw), ['6984']);
    const put = await t.manage([putCertificateCommand(EF.SIGN_CERT, certificates.sign)]);
    assert.equal(sw(put.sws.at(-1)!), '6985', 'refused when its last block completes it');
    assert.ok(put.sws.slice(0, -1).every((s) => s === 0x9000));
    const gen = await t.manage([generateKeyPairCommand(EF.SIGN_KEY)]);
    const spki = (gen.results[0] as PublicKeyResult).subjectPublicKeyInfo;
    assert.equal(dataOf(e.host.document).certificates[EF.SIGN_CERT], undefined, 'the old certificate went with the old key');
    const again = await t.manage([getPublicKeyCommand(EF.SIGN_KEY)]);
    assert.deepEqual((again.results[0] as PublicKeyResult).subjectPublicKeyInfo, spki);
    const issued = await testCa().issue({ person: PERSON, cardExpiry: CARD_EXPIRY, signPublicKey: spki, authPublicKey: spki });
    await t.manage([putCertificateCommand(EF.SIGN_CERT, issued.signCertificate)]);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.PERSONALIZED);
  });

  it('REVOKE and GET PUBLIC KEY of an empty key EF answer 6A88', async () => {
    const e = await element();
    const t = await tsm(e);
    assert.deepEqual((await t.manage([revokeCommand(EF.AUTH_CERT)])).sws.map(sw), ['6A88']);
    assert.deepEqual((await t.manage([getPublicKeyCommand(EF.AUTH_KEY)])).sws.map(sw), ['6A88']);
    assert.equal(e.host.lifeCycle, LIFE_CYCLE.SELECTABLE);
  });
});

function certificatesKey(cert: Uint8Array): Uint8Array {
  return parseCertificate(cert).subjectPublicKeyInfo;
}

describe('JPKI applet: load file and data', () => {
  it('names its load file and module apart from the instance AID: neither is a prefix of the other', () => {
    assert.deepEqual(JPKI_APPLET_INSTANCE_AID, JPKI_AID);
    assert.equal(toHex(JPKI_APPLET_INSTANCE_AID), 'D392F000260100000001');
    assert.deepEqual(JPKI_APPLET_PACKAGE.aid, JPKI_APPLET_ELF_AID);
    assert.deepEqual(JPKI_APPLET_PACKAGE.modules.map((m) => toHex(m.aid)), [toHex(JPKI_APPLET_MODULE_AID)]);
    assert.deepEqual(JPKI_APPLET_PACKAGE.version, [1, 0]);
    const prefix = (a: Uint8Array, b: Uint8Array) => a.length <= b.length && bytesEqual(a, b.subarray(0, a.length));
    for (const other of [JPKI_APPLET_ELF_AID, JPKI_APPLET_MODULE_AID]) {
      assert.ok(other.length >= 5 && other.length <= 16);
      assert.equal(prefix(other, JPKI_APPLET_INSTANCE_AID), false);
      assert.equal(prefix(JPKI_APPLET_INSTANCE_AID, other), false);
    }
  });

  it('starts empty; install parameters other than none are refused with 6A80', () => {
    const module = jpkiAppletModule();
    assert.deepEqual(module.initialData(new Uint8Array(0)), emptyAppletData());
    assert.throws(
      () => module.initialData(fromHex('C900')),
      (err: unknown) => err instanceof StatusWordError && err.sw === 0x6a80,
    );
  });

  it('refuses data that is not its own (ERR_JPKI_APPLET_DATA), at parse and at create', async () => {
    const good = dataOf((await personalised()).document);
    const pkcs8 = (good.keys[EF.AUTH_KEY] as { pkcs8: string }).pkcs8;
    const bad: [string, unknown][] = [
      ['not an object', 'x'],
      ['another format', { ...good, format: 'jpki-mobile/id-card/v1' }],
      ['an unknown member', { ...good, extra: 1 }],
      ['a serial of 7 bytes', { ...good, serial: '00112233445566' }],
      ['lowercase serial', { ...good, serial: 'aabbccddeeff0011' }],
      ['keys not an object', { ...good, keys: [] }],
      ['an unknown key EF', { ...good, keys: { ...good.keys, '0018': { pkcs8 } } }],
      ['a key that is not PKCS#8', { ...good, keys: { '0017': { pkcs8: '3000' } } }],
      ['a key with another member', { ...good, keys: { '0017': { pkcs8, revoked: true } } }],
      ['revoked: false', { ...good, keys: { '0017': { revoked: false } } }],
      ['a certificate not in 30 82 form', { ...good, certificates: { '0002': '3003020101' } }],
      ['a certificate EF that is not one', { ...good, certificates: { '0006': good.certificates['0002'] } }],
      ['a PIN with 4 max tries', { ...good, pins: { '0018': { ...good.pins['0018']!, maxTries: 4 } } }],
      ['a PIN with more tries left than its maximum', { ...good, pins: { '0018': { ...good.pins['0018']!, triesLeft: 4 } } }],
      ['a PIN with an absurd scrypt cost', { ...good, pins: { '0018': { ...good.pins['0018']!, N: 1 << 22 } } }],
      ['a PIN with a short salt', { ...good, pins: { '0018': { ...good.pins['0018']!, salt: '00' } } }],
    ];
    for (const [what, doc] of bad) {
      assert.throws(() => parseAppletData(doc), { code: 'ERR_JPKI_APPLET_DATA' }, what);
      const host = new TestHost(JPKI_AID, { data: doc, lifeCycle: 0x0f });
      assert.throws(() => jpkiAppletModule().create(host as never), { code: 'ERR_JPKI_APPLET_DATA' }, what);
    }
    assert.deepEqual(parseAppletData(good), good);
  });
});
