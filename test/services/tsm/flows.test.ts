import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { fromHex, toHex } from '../../../src/bytes/index.js';
import { scp03KeySet } from '../../../src/crypto/index.js';
import { EF } from '../../../src/devices/applets/jpki/index.js';
import { ARA_M_AID, decodeAllRulesResponse } from '../../../src/devices/secure-element/ara-m/index.js';
import { parseCertificate } from '../../../src/pki/x509/index.js';
import { AID, deriveIsdKeys, identityFromCplc, replaceTemporarySecrets, Sealer, subKey, type RelayOutcome, type SessionDocument, type TraceDocument } from '../../../src/services/tsm/index.js';
import { JpkiApClient } from '../../../src/transports/jpki-ap/index.js';
import { pem } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { appletClient, cardSigner, newCard, newPhone, openssl, ownSecrets, registerApp, relayClient, startTsm, tryKeys, type Card, type Phone, type TsmHarness } from './helpers.js';

/**
 * Flows 2 and 3 end to end, over HTTP on 127.0.0.1, on SQLite and PostgreSQL: a real secure element
 * (development and production profiles), an Individual Number Card issued by the certification
 * service, the SEI-TSM and SP-TSM behind the relay, the relay client running every batch on the
 * element's contact interface; then what a user, a kiosk, openssl and an inspector see.
 */

function userSecrets(temporary: { pin: string; password: string }) {
  return { pin: temporary.pin === '5678' ? '8765' : '5678', password: temporary.password === 'MYPASSWORD9' ? 'MYPASSWORD8' : 'MYPASSWORD9' };
}

async function trace(h: TsmHarness, app: { credential: string }, sessionId: string): Promise<TraceDocument> {
  const res = await h.api('GET', `/tsm/v1/sessions/${sessionId}/trace`, undefined, app.credential);
  assert.equal(res.status, 200);
  return res.json as TraceDocument;
}

forEachDialect('TSMs: preparation and issuance end to end', (ctx) => {
  let h: TsmHarness;
  let card: Card;
  before(async () => {
    h = await startTsm({ database: await ctx.freshConfig() });
    card = await newCard(h);
  });
  after(() => h.stop());

  let phoneA: Phone;
  let appA: { appInstanceId: string; credential: string; seId: string };
  let prepared: RelayOutcome;
  let issued: RelayOutcome;
  let userA: { pin: string; password: string };
  /** The temporary values the SP-TSM set, as the relay client handed them to the app's replacer. */
  let temporaryA: { pin: string; password: string };
  let awaiting: SessionDocument;

  it('prepares a development element in 3 batches (4 HTTP requests): APSD, applet, ARA-M rule, keys rotated', async () => {
    phoneA = await newPhone(h, 'development');
    appA = await registerApp(h, phoneA);
    assert.equal(appA.seId, identityFromCplc(phoneA.cplc).seId);
    prepared = await relayClient(h, phoneA, appA).run({ seId: phoneA.seId, purpose: 'prepare' });
    assert.equal(prepared.session.state, 'completed', JSON.stringify(prepared.session));
    assert.deepEqual(prepared.session.result, { seId: phoneA.seId, apsd: toHex(AID.APSD), applet: toHex(AID.JPKI_APPLET) });
    assert.equal(prepared.batches, 3);
    assert.equal(prepared.requests, 4);
    const element = await h.sei.element(phoneA.seId);
    assert.equal(element?.state, 'prepared');
    assert.equal(element?.appCertificateHash, h.appCertificateHash);
    assert.equal(await h.sp.elementState(phoneA.seId), 'ready');
  });

  it('wrote the ARA-M rule: GET DATA [All] decodes to the applet AID and the app certificate hash, APDU and NFC ALWAYS', async () => {
    const { channel } = await phoneA.channels.open(ARA_M_AID);
    const r = await channel.transmit(Uint8Array.of(0x80, 0xca, 0xff, 0x40, 0x00));
    await channel.close();
    assert.equal(toHex(r.subarray(r.length - 2)), '9000');
    const { rules } = decodeAllRulesResponse(r.subarray(0, r.length - 2));
    assert.equal(rules.length, 1);
    const [rule] = rules;
    assert.deepEqual(rule!.ref.aid, { kind: 'aid', aid: AID.JPKI_APPLET });
    assert.equal(toHex(rule!.ref.hash), createHash('sha256').update(h.appCertificate).digest('hex').toUpperCase());
    assert.deepEqual(rule!.ar, { apdu: { kind: 'always' }, nfc: 'always' });
  });

  it('rotated the APSD keys: the SEI\'s initial keys fail INITIALIZE UPDATE (6A88) and, relabelled, the card cryptogram does not verify and EXTERNAL AUTHENTICATE is refused (6982)', async () => {
    const handover = h.sp.handovers.find((x) => x.seId === phoneA.seId)!;
    assert.equal(handover.keys.kvn, 0x30);
    assert.deepEqual(await tryKeys(phoneA.channels, AID.APSD, handover.keys, 0x30), { initializeUpdate: '6A88' });
    const relabelled = scp03KeySet(0x31, handover.keys.enc, handover.keys.mac, handover.keys.dek);
    assert.deepEqual(await tryKeys(phoneA.channels, AID.APSD, relabelled, 0x00), { initializeUpdate: '9000', cardCryptogram: false, externalAuthenticate: '6982' });
  });

  it('issues in 3 batches (6 HTTP requests): keys generated in the applet, the card signs, the CA certifies, certificates and temporary secrets written, the app replaces them and confirms', async () => {
    issued = await relayClient(h, phoneA, appA).run(
      { seId: phoneA.seId, purpose: 'issue' },
      {
        signApplication: cardSigner(card),
        async replaceSecrets(temporary, session) {
          awaiting = session;
          temporaryA = { pin: temporary.pin!, password: temporary.password! };
          userA = userSecrets(temporaryA);
          // The user's entries are checked before anything reaches the applet.
          await assert.rejects(replaceTemporarySecrets(phoneA.channels, temporaryA, { pin: '12345', password: userA.password }), { code: 'ERR_TSM_REQUEST' });
          await replaceTemporarySecrets(phoneA.channels, temporaryA, userA);
        },
      },
    );
    assert.equal(issued.session.state, 'completed', JSON.stringify(issued.session));
    assert.equal(issued.batches, 3);
    assert.equal(issued.requests, 6, 'open, batch 1, batch 2, signature, batch 3, secrets-replaced');
    assert.equal(awaiting.state, 'awaiting-replacement');
    assert.match(temporaryA.pin, /^[0-9]{4}$/);
    assert.match(temporaryA.password, /^[A-Z0-9]{16}$/);
    const result = issued.session.result as { sign: { serial: string }; auth: { serial: string }; superseded: string[]; secretsReplacedAt: string };
    const { secretsReplacedAt: _at, ...before } = result;
    assert.deepEqual(awaiting.result, before, 'the result awaiting the replacement is the completed one without its time');
    assert.match(result.secretsReplacedAt, /^\d{4}-\d\d-\d\dT/);
    assert.equal(issued.session.temporary, undefined);
    assert.ok(!JSON.stringify(issued.session).includes(temporaryA.password));
    assert.deepEqual(result.superseded, []);
    const orders = await h.sp.orders(phoneA.seId);
    assert.equal(orders.length, 1);
    assert.equal(orders[0]!.state, 'completed');
    assert.equal(orders[0]!.sign_serial, result.sign.serial);
    const row = (await h.jpki.db.query<{ secrets: Uint8Array | null; phase: string }>('SELECT secrets, phase FROM tsm_sessions WHERE id = $1', [issued.session.sessionId]))[0]!;
    assert.deepEqual([row.secrets, row.phase], [null, 'secrets-set'], 'the SP-TSM purged the temporary values at the confirmation');
  });

  it('the temporary PIN and password no longer verify in the applet; the user\'s own do', async () => {
    const { client, close } = await appletClient(phoneA);
    try {
      await assert.rejects(client.verify('pin', temporaryA.pin), { code: 'ERR_JPKI_AP_PIN_INCORRECT' });
      await assert.rejects(client.verify('password', temporaryA.password), { code: 'ERR_JPKI_AP_PIN_INCORRECT' });
      await client.verify('pin', userA.pin);
      await client.verify('password', userA.password);
      assert.equal(await client.tokenLabel(), 'JPKIAPGPSETOKEN');
    } finally {
      await close();
    }
  });

  it('the applet holds both certificates: they verify against the CA with openssl, are good in OCSP, and are linked to the card certificate', async () => {
    const { client, close } = await appletClient(phoneA);
    const ca = h.jpki.exportCa();
    const cardSign = parseCertificate(fromHex(card.state.jpki.files[EF.SIGN_CERT]));
    try {
      await client.verify('password', userA.password);
      await client.verify('pin', userA.pin);
      const files = { sign: await client.readCertificate('sign'), auth: await client.readCertificate('auth'), signCa: await client.readCertificate('signCa'), authCa: await client.readCertificate('authCa') };
      const result = issued.session.result as { sign: { serial: string }; auth: { serial: string } };
      for (const [which, issuer, responder, hierarchy] of [['sign', ca.sign, ca.signResponder, 'sign'], ['auth', ca.auth, ca.authResponder, 'auth']] as const) {
        const der = files[which];
        const parsed = parseCertificate(der);
        assert.equal(parsed.serialNumberHex, result[which].serial);
        const path = join(h.jpki.dir, `${phoneA.seId}-${which}.pem`);
        writeFileSync(path, pem('CERTIFICATE', der));
        assert.match((await openssl('verify', '-CAfile', issuer, path)).out, /: OK/);
        const ocsp = await openssl('ocsp', '-issuer', issuer, '-cert', path, '-url', `${h.jpki.url}/ocsp/${hierarchy}`, '-CAfile', issuer, '-verify_other', responder);
        assert.match(ocsp.out, /: good/, ocsp.out);
        const status = await h.jpki.service.status(parsed.serialNumberHex);
        assert.equal(status.device, 'phone');
        assert.equal(status.seId, phoneA.seId);
        assert.equal(status.linkedSerial, cardSign.serialNumberHex);
        assert.equal(status.personId, card.state.holder.personId);
      }
      assert.equal(toHex(files.signCa), toHex((await h.jpki.api('GET', '/ca/sign/1.crt')).bytes));
      assert.equal(toHex(files.authCa), toHex((await h.jpki.api('GET', '/ca/auth/1.crt')).bytes));
    } finally {
      await close();
    }
  });

  it('signs with the user\'s PIN and password; openssl dgst -verify accepts both signatures', async () => {
    const { client, close } = await appletClient(phoneA);
    try {
      const message = new Uint8Array(randomBytes(64));
      await client.verify('pin', userA.pin);
      const authSig = await client.signSha256('auth', message);
      await client.verify('password', userA.password);
      const signSig = await client.signSha256('sign', message);
      for (const [which, sig] of [['auth', authSig], ['sign', signSig]] as const) {
        const spki = parseCertificate(await client.readCertificate(which)).subjectPublicKeyInfo;
        const dir = h.jpki.dir;
        writeFileSync(join(dir, `${which}.pub.pem`), pem('PUBLIC KEY', spki));
        writeFileSync(join(dir, `${which}.sig`), sig);
        writeFileSync(join(dir, 'message.bin'), message);
        const r = await openssl('dgst', '-sha256', '-verify', join(dir, `${which}.pub.pem`), '-signature', join(dir, `${which}.sig`), join(dir, 'message.bin'));
        assert.match(r.out, /Verified OK/, r.out);
      }
    } finally {
      await close();
    }
  });

  it('a kiosk reaches the applet over the contactless interface and reads the user-authentication certificate', async () => {
    const port = phoneA.element.contactless;
    await port.powerOn();
    const kiosk = new JpkiApClient({ transmit: (c) => port.transmit(c) });
    const result = issued.session.result as { auth: { serial: string } };
    assert.equal(await kiosk.tokenLabel(), 'JPKIAPGPSETOKEN');
    await kiosk.verify('pin', userA.pin);
    assert.equal(parseCertificate(await kiosk.readCertificate('auth')).serialNumberHex, result.auth.serial);
    await port.powerOff();
  });

  it('the traces show every step, redacted: no PIN, password or key bytes, and the public keys in the clear', async () => {
    const prepareTrace = await trace(h, appA, prepared.session.sessionId);
    const issueTrace = await trace(h, appA, issued.session.sessionId);
    assert.ok(prepareTrace.entries.length > 20);
    for (const t of [prepareTrace, issueTrace]) assert.ok(t.entries.every((e) => e.outcome === 'ok'), JSON.stringify(t.entries.filter((e) => e.outcome !== 'ok')));
    const text = JSON.stringify([prepareTrace, issueTrace]);
    const result = { temporaryPin: temporaryA.pin, temporaryPassword: temporaryA.password };
    const ascii = (s: string) => toHex(new TextEncoder().encode(s));
    const handover = h.sp.handovers.find((x) => x.seId === phoneA.seId)!;
    const spKeys = (await h.jpki.db.query<{ kvn: number; keys: Uint8Array }>('SELECT kvn, keys FROM sp_apsd_keys WHERE se_id = $1', [phoneA.seId])).map((r) =>
      new Sealer(h.storageSecret, 'sp').openJson<{ enc: string; mac: string; dek: string }>(r.keys, `sp-apsd-keys:${phoneA.seId}:${r.kvn}`),
    );
    assert.equal(spKeys.length, 1);
    const secrets = [
      `8004${ascii(result.temporaryPin)}`,
      ascii(result.temporaryPassword),
      result.temporaryPassword,
      ascii(userA.password),
      toHex(handover.keys.enc),
      toHex(handover.keys.mac),
      toHex(handover.keys.dek),
      spKeys[0]!.enc,
      spKeys[0]!.mac,
      spKeys[0]!.dek,
      '404142434445464748494A4B4C4D4E4F',
    ];
    for (const s of secrets) assert.ok(!text.toUpperCase().includes(s.toUpperCase()), `the trace holds ${s}`);
    const redacted = [...prepareTrace.entries, ...issueTrace.entries].filter((e) => e.command.includes('bytes redacted'));
    assert.deepEqual(
      redacted.map((e) => e.label.split(':')[0]),
      ['STORE DATA APSD initial key set KVN 30 (DGI 00B9 + 8113)', 'PUT KEY APSD', 'STORE DATA'],
    );
    assert.ok(redacted.every((e) => e.wire.includes('bytes redacted')));
    const generated = issueTrace.entries.find((e) => e.label.includes('GENERATE KEY PAIR'))!;
    const authSerial = (issued.session.result as { auth: { serial: string } }).auth.serial;
    const spki = parseCertificate(await h.jpki.service.certificate(authSerial)).subjectPublicKeyInfo;
    assert.ok(generated.plainResponse!.includes(toHex(spki)), 'the generated public key is in the trace, deciphered');
    assert.ok(!generated.response!.includes(toHex(spki)), 'and enciphered on the wire (R-ENC)');
  });

  it('a second issuance for the same person on a new handset supersedes the first: old certificates revoked (superseded), deletion ordered for the old element', async () => {
    const phoneB = await newPhone(h, 'development');
    const appB = await registerApp(h, phoneB);
    const client = relayClient(h, phoneB, appB);
    assert.equal((await client.run({ seId: phoneB.seId, purpose: 'prepare' })).session.state, 'completed');
    const second = await client.run({ seId: phoneB.seId, purpose: 'issue' }, { signApplication: cardSigner(card), replaceSecrets: ownSecrets(phoneB) });
    assert.equal(second.session.state, 'completed', JSON.stringify(second.session));
    const old = issued.session.result as { sign: { serial: string }; auth: { serial: string } };
    const now = second.session.result as { sign: { serial: string }; auth: { serial: string }; superseded: string[] };
    assert.deepEqual(new Set(now.superseded), new Set([old.sign.serial, old.auth.serial]));
    for (const serial of [old.sign.serial, old.auth.serial]) {
      const s = await h.jpki.service.status(serial);
      assert.equal(s.status, 'revoked');
      assert.equal(s.reason, 4);
    }
    for (const serial of [now.sign.serial, now.auth.serial]) assert.equal((await h.jpki.service.status(serial)).status, 'good');
    const events = await h.jpki.db.query<{ kind: string; serials: string }>('SELECT kind, serials FROM outbox WHERE se_id = $1', [phoneA.seId]);
    assert.ok(events.length >= 1 && events.every((e) => e.kind === 'phone-keys-delete'), JSON.stringify(events));
    assert.deepEqual(new Set(events.flatMap((e) => JSON.parse(e.serials) as string[])), new Set([old.sign.serial, old.auth.serial]));
  });

  it('a production element: the maker\'s transport keys are replaced by keys derived from the SEI master secret, and issuance works on it', async () => {
    const phone = await newPhone(h, 'production', 'derive');
    assert.equal((await h.sei.element(phone.seId))?.keyMode, 'transport');
    const app = await registerApp(h, phone);
    const client = relayClient(h, phone, app);
    assert.equal((await client.run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    const element = await h.sei.element(phone.seId);
    assert.equal(element?.keyMode, 'derived');
    assert.equal(element?.isdKvn, 0x31);
    const derived = deriveIsdKeys(subKey(h.masterSecret, 'sei/isd-derivation'), identityFromCplc(phone.cplc).kdd, 0x31);
    assert.deepEqual(await tryKeys(phone.channels, AID.ISD, derived, 0x00), { initializeUpdate: '9000', cardCryptogram: true, externalAuthenticate: '9000' });
    assert.deepEqual(await tryKeys(phone.channels, AID.ISD, phone.isdKeys, 0x30), { initializeUpdate: '6A88' });
    const row = (await h.jpki.db.query<{ isd_keys: Uint8Array | null }>('SELECT isd_keys FROM sei_elements WHERE se_id = $1', [phone.seId]))[0]!;
    assert.equal(row.isd_keys, null, 'the maker\'s keys are forgotten');
    const otherCard = await newCard(h, { name: '佐藤\u3000一郎' });
    const iss = await client.run({ seId: phone.seId, purpose: 'issue' }, { signApplication: cardSigner(otherCard), replaceSecrets: ownSecrets(phone) });
    assert.equal(iss.session.state, 'completed', JSON.stringify(iss.session));
  });

  it('a production element whose maker\'s keys the SEI keeps (policy keep): they still open the ISD after preparation', async () => {
    const phone = await newPhone(h, 'production', 'keep');
    const app = await registerApp(h, phone);
    assert.equal((await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    assert.equal((await h.sei.element(phone.seId))?.keyMode, 'issuer');
    assert.deepEqual(await tryKeys(phone.channels, AID.ISD, phone.isdKeys, 0x30), { initializeUpdate: '9000', cardCryptogram: true, externalAuthenticate: '9000' });
  });
});
