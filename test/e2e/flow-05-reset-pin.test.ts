import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AppError, type JpkiApp, type SecretResetInput } from '../../src/app/index.js';
import type { IdCard } from '../../src/devices/id-card/index.js';
import { MemoryChallengeStore, RelyingParty } from '../../src/sdk/index.js';
import { JpkiApClient } from '../../src/transports/jpki-ap/index.js';
import { anchors, CARD_PASSWORD, installApp, newPhone, startHome, type SystemHarness, type TestPhone } from '../app/helpers.js';
import { ISSUED, jpkiOnElement } from './support/element-status.js';
import { appletCertificates, appletContents } from './support/flows.js';
import { leaksOf, referenceDataHex } from '../helpers/leaks.js';
import { caStatus, cardFor, ocspStatus, OTHER_PERSON } from './support/reset-system.js';

/**
 * Flow 5, PIN/password re-initialisation online with the card, end to end: the whole system in
 * process (a temporary home, real HTTP on 127.0.0.1), a phone prepared and issued with the holder's
 * card. The user blocks the PIN (3 wrong tries) and the signature password (5), holds the card to the
 * phone: the card signs the request, the CA checks it is the holder's card, the SP-TSM sets temporary
 * values through SCP03 and the app replaces them with the user's own. Then login and signing work
 * with the new values and verify at a relying party; the certificates are the same ones, still good,
 * and the element still holds the applet with its keys (GET STATUS through the ISD: PERSONALIZED).
 * Another person's card is refused with nothing changed; a wrong card password says the tries left; a
 * signed request is usable once; the trace shows no secret.
 */

const PIN = '1357';
const PASSWORD = 'FIRSTPW5';

type Entries = Awaited<ReturnType<SecretResetInput['newSecrets']>>;

function resetInput(card: IdCard, entries: Entries, options: { cardPassword?: string; secrets?: SecretResetInput['secrets'] } = {}): SecretResetInput {
  return { card, ...(options.secrets ? { secrets: options.secrets } : {}), cardPassword: async () => options.cardPassword ?? CARD_PASSWORD, newSecrets: async () => entries };
}

const code = (c: string, check: (e: AppError) => boolean = () => true) => (e: unknown) => e instanceof AppError && e.code === c && check(e);

describe('flow 5: PIN/password re-initialisation online with the card, end to end', () => {
  let h: SystemHarness;
  let p: TestPhone;
  let app: JpkiApp;
  let holderCard: IdCard;
  let portal: RelyingParty;
  let serials: { sign: string; auth: string };
  let certificatesBefore: Readonly<Record<string, string>>;

  const login = async (pin: string) => {
    const challenge = await portal.generateLoginChallenge();
    const r = await app.login({ challenge: challenge.bytes, pin });
    return portal.verifyLoginResponse({ challenge: challenge.encoded, certificate: r.certificate, signature: r.signature });
  };
  const sign = async (password: string) => {
    const content = new TextEncoder().encode('notification of moving in');
    return portal.verifySignedDocument({ content, cms: await app.signDocument({ content, password }) });
  };
  const auditActions = async () => ((await h.api('GET', '/api/v1/audit?limit=500', undefined, h.admin)).json.entries as { action: string; payload: Record<string, unknown> }[]).filter((e) => e.action === 'phone-secrets-reset-authorised');

  before(async () => {
    h = await startHome();
    p = await newPhone(h, 'Reset PIN Phone');
    portal = new RelyingParty({ trustAnchors: await anchors(h), rpId: 'portal.example.jp', login: { challengeStore: new MemoryChallengeStore() } });
    app = await installApp(h, p);
    await app.prepare();
    holderCard = await cardFor(h);
    const r = await app.issue({ card: holderCard, cardPassword: async () => CARD_PASSWORD, newSecrets: async () => ({ pin: PIN, pinConfirm: PIN, password: PASSWORD, passwordConfirm: PASSWORD }) });
    serials = { sign: r.signSerial, auth: r.authSerial };
    certificatesBefore = appletCertificates(p);
    assert.deepEqual(Object.keys(certificatesBefore).sort(), ['0001', '0002', '000A', '000B']);
  });
  after(async () => {
    await h?.system.stop();
    if (h) rmSync(h.home, { recursive: true, force: true });
  });

  it('the PIN blocked after 3 wrong tries and the password after 5: the applet refuses both', async () => {
    for (const left of [2, 1, 0]) await assert.rejects(login('0000'), code('ERR_APP_SECRET_WRONG', (e) => e.triesLeft === left));
    await assert.rejects(login(PIN), code('ERR_APP_SECRET_BLOCKED'));
    for (const left of [4, 3, 2, 1, 0]) await assert.rejects(sign('WRONG000'), code('ERR_APP_SECRET_WRONG', (e) => e.triesLeft === left));
    await assert.rejects(sign(PASSWORD), code('ERR_APP_SECRET_BLOCKED'));
    // Blocked, not emptied: the element still holds the personalised applet.
    assert.deepEqual(await jpkiOnElement(h, p), ISSUED);
  });

  it("another person's card is refused (ERR_APP_CARD_NOT_HOLDER): nothing changed, nothing authorised", async () => {
    const other = await cardFor(h, OTHER_PERSON);
    await assert.rejects(app.resetSecrets(resetInput(other, { pin: '2468', pinConfirm: '2468', password: 'OTHERPW1', passwordConfirm: 'OTHERPW1' })), code('ERR_APP_CARD_NOT_HOLDER', (e) => /not the card of the person/.test(e.message)));
    assert.equal(app.flowState('secret-reset'), 'failed');
    await assert.rejects(login('2468'), code('ERR_APP_SECRET_BLOCKED'));
    await assert.rejects(login(PIN), code('ERR_APP_SECRET_BLOCKED'));
    assert.deepEqual(await auditActions(), []);
    // The session was not ended by the refusal: it waits for the right card's signature.
    const sessions = (await h.api('GET', `/tsm/v1/sessions?seId=${p.seId}`, undefined, h.admin)).json.sessions as { purpose: string; state: string }[];
    assert.deepEqual([sessions[0]!.purpose, sessions[0]!.state], ['reset-pin', 'awaiting-signature']);
  });

  it('a wrong card password says how many tries are left', async () => {
    await assert.rejects(app.resetSecrets(resetInput(holderCard, { pin: '2468', pinConfirm: '2468' }, { cardPassword: 'WRONGPW' })), code('ERR_APP_CARD_PASSWORD_WRONG', (e) => e.triesLeft === 4 && /4 tries left/.test(e.message)));
    await assert.rejects(login('2468'), code('ERR_APP_SECRET_BLOCKED'));
  });

  it("the holder's card: both re-initialised, the blocked ones replaced; login and signature verify; same certificates, still good", async () => {
    const result = await app.resetSecrets(resetInput(holderCard, { pin: '2468', pinConfirm: '2468', password: 'SECONDPW7', passwordConfirm: 'SECONDPW7' }));
    assert.equal(result.secrets, 'both');
    assert.equal(app.flowState('secret-reset'), 'reset');
    const v = await login('2468');
    assert.equal(v.kind, 'phone-auth');
    assert.equal(v.status.state, 'good');
    assert.equal(v.certificate.serialNumber, serials.auth);
    const s = await sign('SECONDPW7');
    assert.equal(s.kind, 'phone-sign');
    assert.equal(s.basicFour.birthDate, '1990-01-02');
    await assert.rejects(login(PIN), code('ERR_APP_SECRET_WRONG', (e) => e.triesLeft === 2), 'the old PIN is gone');
    await login('2468');
    for (const [hierarchy, serial] of [['sign', serials.sign], ['auth', serials.auth]] as const) {
      assert.equal((await caStatus(h, serial)).status, 'good');
      assert.equal((await ocspStatus(h, hierarchy, serial)).kind, 'good');
    }
    // The element: the same applet, personalised, its keys and the very same certificates.
    assert.deepEqual(await jpkiOnElement(h, p), ISSUED);
    assert.deepEqual(appletContents(p)?.keys, { '0017': 'key', '001A': 'key' });
    assert.deepEqual(appletCertificates(p), certificatesBefore);
    const audit = await auditActions();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.payload.secrets, 'both');
    assert.deepEqual(audit[0]!.payload.serials, [serials.sign, serials.auth]);
    // The trace shows the SET REFERENCE DATA step only redacted, and no secret the user chose.
    const session = (await h.api('GET', `/tsm/v1/sessions/${result.sessionId}/trace`, undefined, h.admin)).json as { purpose: string; entries: { label: string; command: string; wire: string }[] };
    assert.equal(session.purpose, 'reset-pin');
    const set = session.entries.find((e) => e.label.startsWith('STORE DATA: SET REFERENCE DATA'))!;
    assert.match(set.command, /redacted/);
    assert.match(set.wire, /redacted/);
    const text = JSON.stringify(session);
    for (const secret of ['2468', 'SECONDPW7', Buffer.from('SECONDPW7').toString('hex').toUpperCase()]) assert.ok(!text.includes(secret), secret);
  });

  it('the PIN only: the password stays; a signed request is usable once', async () => {
    for (let i = 0; i < 3; i++) await login('9999').catch(() => undefined);
    await assert.rejects(login('2468'), code('ERR_APP_SECRET_BLOCKED'));
    // Driven at the relay level to keep the signed request: the card signs it, the CA authorises it once.
    let signed: { request: Uint8Array; signature: Uint8Array; cardCertificate: Uint8Array } | undefined;
    let temporary: { pin?: string; password?: string } | undefined;
    let awaiting: string | undefined;
    let mine = '3690';
    const outcome = await app.relay((client) =>
      client.run(
        { seId: p.seId, purpose: 'reset-pin', secrets: 'pin' },
        {
          async signApplication(request) {
            const card = new JpkiApClient({ transmit: (c) => holderCard.transmit(c) });
            await card.verify('password', CARD_PASSWORD);
            signed = { request, signature: await card.signSha256('sign', request), cardCertificate: await card.readCertificate('sign') };
            return signed;
          },
          // Inside the session: the temporary PIN is replaced as the app does (VERIFY it, CHANGE REFERENCE DATA).
          async replaceSecrets(t, session) {
            temporary = t;
            awaiting = session.state;
            if (t.pin === mine) mine = '3691';
            await app.changeSecret({ which: 'pin', current: t.pin!, next: mine, confirm: mine });
          },
        },
      ),
    );
    assert.equal(outcome.session.state, 'completed');
    assert.equal(awaiting, 'awaiting-replacement');
    const result = outcome.session.result as { secrets: string; secretsReplacedAt?: string };
    assert.equal(result.secrets, 'pin');
    assert.ok(result.secretsReplacedAt);
    assert.match(temporary?.pin ?? '', /^[0-9]{4}$/);
    assert.equal(temporary?.password, undefined, 'the password was not touched');
    // After the confirmation the temporary PIN is nowhere: not in the session document or the trace.
    const path = `/tsm/v1/sessions/${outcome.session.sessionId}`;
    const credential = await app.credential();
    const last = (await h.api('GET', `${path}/trace`, undefined, h.admin)).json as { entries: { batch: number; label: string }[] };
    assert.match(last.entries.at(-1)!.label, /^secrets replaced: the app set the user's own PIN \(/);
    const seen = [
      outcome.session,
      last,
      (await fetch(`${h.url}${path}`, { headers: { authorization: `Bearer ${credential}` } }).then((r) => r.json())) as unknown,
    ];
    assert.deepEqual(leaksOf(seen, temporary!.pin!, [referenceDataHex(temporary!.pin!)]), []);
    // The temporary PIN no longer verifies (a wrong try, then the user's own resets the counter).
    await assert.rejects(login(temporary!.pin!), code('ERR_APP_SECRET_WRONG'));
    assert.equal((await login(mine)).kind, 'phone-auth');
    assert.equal((await sign('SECONDPW7')).kind, 'phone-sign');
    // The same signed request again, straight to the CA with the SP-TSM's operator token: refused.
    const spToken = readFileSync(join(h.home, 'secrets', 'sp-tsm.token'), 'utf8').trim();
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
    const replay = await h.api('POST', '/api/v1/phone-secret-resets', { request: b64(signed!.request), signature: b64(signed!.signature), cardCertificate: b64(signed!.cardCertificate) }, spToken);
    assert.equal(replay.status, 409);
    assert.equal(replay.json.code, 'ERR_JPKI_APPLICATION_REPLAYED');
    const asOffice = await h.api('POST', '/api/v1/phone-secret-resets', { request: b64(signed!.request), signature: b64(signed!.signature), cardCertificate: b64(signed!.cardCertificate) }, h.office);
    assert.equal(asOffice.status, 403);
    assert.equal((await auditActions()).length, 2);
  });

  it('bad input: secrets only with reset-pin; a phone with no certificates has nothing to reset', async () => {
    const credential = await app.credential();
    const post = (body: unknown) => fetch(`${h.url}/tsm/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` }, body: JSON.stringify(body) }).then(async (r) => ({ status: r.status, json: (await r.json()) as { code: string } }));
    const base = { appInstanceId: app.data.appInstanceId, seId: p.seId };
    const misplaced = await post({ ...base, purpose: 'issue', secrets: 'pin' });
    assert.equal(misplaced.status, 400);
    assert.equal(misplaced.json.code, 'ERR_REQUEST_FIELD');
    assert.equal((await post({ ...base, purpose: 'reset-pin', secrets: 'all' })).json.code, 'ERR_REQUEST_FIELD');
    const fresh = await newPhone(h, 'Unissued Phone');
    const unissued = await installApp(h, fresh);
    await unissued.prepare();
    await assert.rejects(unissued.resetSecrets(resetInput(holderCard, { pin: '1111', pinConfirm: '1111' })), code('ERR_APP_NOT_ISSUED'));
    const raw = await fetch(`${h.url}/tsm/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${await unissued.credential()}` }, body: JSON.stringify({ appInstanceId: unissued.data.appInstanceId, seId: fresh.seId, purpose: 'reset-pin' }) });
    assert.equal(raw.status, 409);
    assert.equal(((await raw.json()) as { code: string }).code, 'ERR_TSM_NO_CERTIFICATES');
  });
});
