import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { JpkiServiceError } from '../../../src/services/jpki/errors.js';
import { jpkiStatusOf } from '../../../src/services/jpki/http.js';
import { verifyAudit } from '../../../src/store/index.js';
import { holderRevocation, startJpki, type IssuedPhone, type JpkiHarness } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { assertStates, type Tracked } from './support/status.js';
import { assertUnchanged, snapshot } from './support/store.js';
import { World } from './support/world.js';

/**
 * Issue 3, "Done when" 4 (actor rules): who may use which reason on which certificate, as a table —
 * office, call centre, admin (HTTP, bearer tokens) and holder (signed request from the phone; the
 * service facade for what the request format cannot even say) × card and phone × every RFC 5280
 * reason. Allowed: the store, OCSP and the CRL show it. Refused: 403 ERR_JPKI_REASON_NOT_ALLOWED,
 * nothing written.
 */

const REASONS = [
  ['unspecified', 0],
  ['keyCompromise', 1],
  ['cACompromise', 2],
  ['affiliationChanged', 3],
  ['superseded', 4],
  ['cessationOfOperation', 5],
  ['certificateHold', 6],
  ['removeFromCRL', 8],
  ['privilegeWithdrawn', 9],
  ['aACompromise', 10],
] as const;

type Actor = 'office' | 'call-centre' | 'admin' | 'holder';
type Device = 'card' | 'phone';

/** The policy the issue and jpki-ap.md 5 ask for, as actors.ts documents it (written out, not imported). */
const ALLOWED: Record<Actor, Record<Device, readonly number[]>> = {
  office: { card: [0, 1, 3, 4, 5, 6], phone: [1, 5] },
  'call-centre': { card: [6], phone: [1, 6] },
  admin: { card: [0, 1, 2, 3, 4, 5, 6, 9], phone: [0, 1, 2, 3, 4, 5, 6, 9] },
  holder: { card: [], phone: [1, 5] },
};

forEachDialect('JPKI rules: which actor may use which reason', (ctx) => {
  let h: JpkiHarness;
  let w: World;
  const done: [Tracked, number, string][] = [];
  const tokenOf = (actor: Exclude<Actor, 'holder'>) => ({ office: h.tokens.office, 'call-centre': h.tokens.callCentre, admin: h.tokens.admin })[actor];

  before(async () => {
    h = await startJpki({ database: await ctx.freshConfig() });
    w = await World.of(h);
  });
  after(async () => {
    await h?.stop();
  });

  /** One operator action over HTTP: /hold for certificateHold, /revoke for the rest. */
  function act(actor: Exclude<Actor, 'holder'>, serial: string, reason: (typeof REASONS)[number]) {
    return reason[1] === 6
      ? h.api('POST', `/api/v1/certificates/${serial}/hold`, undefined, tokenOf(actor))
      : h.api('POST', `/api/v1/certificates/${serial}/revoke`, { reason: reason[0] }, tokenOf(actor));
  }

  /**
   * A fresh good certificate of a device. Both certificates of a card or a phone serve as targets
   * (revoking one leaves the other as it was), except that a card which authorised a phone is never
   * a target (its signature certificate would take the phone with it).
   */
  const spare: Record<Device, Tracked[]> = { card: [], phone: [] };
  let phones = 0;
  async function target(device: Device): Promise<Tracked> {
    if (spare[device].length === 0) {
      const card = await w.card();
      const x = device === 'card' ? card : await w.phone(card, `SE-ACTOR-${++phones}`);
      spare[device].push({ serial: x.signSerial, der: x.signCert, hierarchy: 'sign' }, { serial: x.authSerial, der: x.authCert, hierarchy: 'auth' });
    }
    return spare[device].shift()!;
  }

  for (const actor of ['office', 'call-centre', 'admin'] as const) {
    it(`${actor}: each reason on card and phone certificates over HTTP, allowed or 403 ERR_JPKI_REASON_NOT_ALLOWED`, async () => {
      const victims = { card: await target('card'), phone: await target('phone') };
      for (const device of ['card', 'phone'] as const) {
        for (const reason of REASONS) {
          const label = `${actor} ${reason[0]} on a ${device} certificate`;
          if (ALLOWED[actor][device].includes(reason[1])) {
            const t = await target(device);
            const res = await act(actor, t.serial, reason);
            assert.equal(res.status, 200, `${label}: ${JSON.stringify(res.json)}`);
            done.push([t, reason[1], label]);
          } else {
            const before = await snapshot(h.db);
            const res = await act(actor, victims[device].serial, reason);
            assert.equal(res.status, 403, label);
            assert.equal(res.contentType, 'application/problem+json');
            assert.equal(res.json.code, 'ERR_JPKI_REASON_NOT_ALLOWED', label);
            await assertUnchanged(h.db, before, label);
          }
        }
      }
    });
  }

  it('holder: only their own phone certificates, keyCompromise or cessationOfOperation', async () => {
    // Allowed: the signed request from the phone (flow 7) revokes both certificates of that phone.
    for (const [name, code] of [['keyCompromise', 1], ['cessationOfOperation', 5]] as const) {
      const card = await w.card();
      const phone: IssuedPhone = await w.phone(card, `SE-HOLDER-${code}`);
      const res = await h.api('POST', '/api/v1/holder/revocations', holderRevocation(phone, name));
      assert.equal(res.status, 200, JSON.stringify(res.json));
      assert.deepEqual(new Set(res.json.revoked), new Set([phone.signSerial, phone.authSerial]));
      done.push([{ serial: phone.signSerial, der: phone.signCert, hierarchy: 'sign' }, code, `holder ${name}`]);
      done.push([{ serial: phone.authSerial, der: phone.authCert, hierarchy: 'auth' }, code, `holder ${name}`]);
    }
    // Refused: every other reason, and any card certificate (the request format cannot say these,
    // so the policy is asked through the service itself).
    const card = await w.card();
    const phone = await w.phone(card, 'SE-HOLDER-VICTIM');
    const holder = { kind: 'holder', personId: card.personId } as const;
    for (const [device, serial] of [['card', card.signSerial], ['card', card.authSerial], ['phone', phone.signSerial], ['phone', phone.authSerial]] as const) {
      for (const reason of REASONS) {
        if (ALLOWED.holder[device].includes(reason[1])) continue;
        const before = await snapshot(h.db);
        await assert.rejects(h.service.revoke(holder, serial, reason[1]), (err: unknown) => {
          assert.ok(err instanceof JpkiServiceError);
          assert.equal(err.code, 'ERR_JPKI_REASON_NOT_ALLOWED', `holder ${reason[0]} on a ${device} certificate`);
          assert.equal(jpkiStatusOf(err.code), 403);
          return true;
        });
        await assertUnchanged(h.db, before, `holder ${reason[0]} on ${device}`);
      }
    }
    // Nor another person's phone certificate, even with an allowed reason.
    const stranger = { kind: 'holder', personId: (await w.card()).personId } as const;
    await assert.rejects(h.service.revoke(stranger, phone.authSerial, 5), (err: unknown) => err instanceof JpkiServiceError && err.code === 'ERR_JPKI_FORBIDDEN');
  });

  it('certificateHold goes through /hold only; the SP-TSM may revoke nothing', async () => {
    const t = await target('card');
    const before = await snapshot(h.db);
    const viaRevoke = await h.api('POST', `/api/v1/certificates/${t.serial}/revoke`, { reason: 'certificateHold' }, h.tokens.admin);
    assert.equal(viaRevoke.status, 400);
    assert.equal(viaRevoke.json.code, 'ERR_REQUEST_FIELD');
    for (const path of ['revoke', 'hold', 'release']) {
      const res = await h.api('POST', `/api/v1/certificates/${t.serial}/${path}`, path === 'revoke' ? { reason: 'keyCompromise' } : undefined, h.tokens.spTsm);
      assert.equal(res.status, 403, path);
      assert.equal(res.json.code, 'ERR_JPKI_FORBIDDEN', path);
    }
    await assertUnchanged(h.db, before, 'refused');
  });

  it('every allowed action shows in the store, in OCSP and in the CRL; the audit chain verifies', async () => {
    assert.equal(done.length, 6 + 2 + 1 + 2 + 8 + 8 + 4);
    await assertStates(h, done);
    assert.equal((await verifyAudit(h.db)).ok, true);
  });
});
