import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { command, encodeCommand, parseResponse } from '../../../src/apdu/index.js';
import { GP_TEST_KEY, Scp03HostSession, scp03KeySet } from '../../../src/crypto/index.js';
import { AID, BatchRunner, RelayRefusal, type SeChannels, type SessionDocument, type TraceDocument } from '../../../src/services/tsm/index.js';
import { leaksOf, referenceDataHex } from '../../helpers/leaks.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { appletClient, cardSigner, newCard, newPhone, ownSecrets, registerApp, relayClient, startTsm, tampering, type App, type Card, type Phone, type TsmHarness } from './helpers.js';

/**
 * The relay's promises, on SQLite and PostgreSQL: a batch is the same for its number forever, a repeat
 * of its responses gets the same answer, a dropped connection is survived without running anything
 * twice on the element, and every way a session can end (an unexpected status word, a response that
 * fails its R-MAC, a phone-side error, expiry, a newer session) ends it with its reason.
 */

/** The ISD's owner (here the development key) sends commands under SCP03, as the SEI would. */
async function asIssuer(phone: Phone, commands: Uint8Array[]): Promise<string[]> {
  const { channel } = await phone.channels.open(AID.ISD);
  const host = new Scp03HostSession({ keys: scp03KeySet(0x30, GP_TEST_KEY, GP_TEST_KEY, GP_TEST_KEY), random: () => new Uint8Array(8).fill(7) });
  try {
    host.onInitializeUpdateResponse(parseResponse(await channel.transmit(encodeCommand(host.initializeUpdate(0)))));
    host.onExternalAuthenticateResponse(parseResponse(await channel.transmit(encodeCommand(host.externalAuthenticate(0x33)))));
    const out: string[] = [];
    for (const c of commands) {
      const r = host.unwrap(parseResponse(await channel.transmit(encodeCommand(host.wrap(command(c[0]!, c[1]!, c[2]!, c[3]!, c.subarray(5)))))));
      out.push(r.sw.toString(16).toUpperCase());
    }
    return out;
  } finally {
    await channel.close();
  }
}

forEachDialect('TSM relay: idempotent batches, resume, and sessions that end with their reason', (ctx) => {
  let h: TsmHarness;
  let card: Card;
  before(async () => {
    h = await startTsm({ database: await ctx.freshConfig() });
    card = await newCard(h);
  });
  after(() => h.stop());

  async function fresh(): Promise<{ phone: Phone; app: App }> {
    const phone = await newPhone(h);
    return { phone, app: await registerApp(h, phone) };
  }

  it('serves the same batch for the same number, answers a repeated response with the same document, refuses other responses and unknown numbers', async () => {
    const { phone, app } = await fresh();
    const open = await h.api('POST', '/tsm/v1/sessions', { appInstanceId: app.appInstanceId, seId: phone.seId, purpose: 'prepare' }, app.credential);
    assert.equal(open.status, 201);
    const first = open.json as SessionDocument;
    assert.equal(first.batch!.seq, 1);
    const again = await h.api('GET', `/tsm/v1/sessions/${first.sessionId}`, undefined, app.credential);
    assert.deepEqual(again.json.batch, first.batch);
    const runner = new BatchRunner(phone.channels);
    const results = await runner.run(first.batch!.steps);
    const path = `/tsm/v1/sessions/${first.sessionId}/batches/1`;
    const answered = await h.api('POST', path, results, app.credential);
    assert.equal(answered.status, 200);
    assert.equal(answered.json.batch.seq, 2);
    const repeat = await h.api('POST', path, results, app.credential);
    assert.deepEqual(repeat.json, answered.json, 'a repeat gets the same answer, the same batch 2');
    const other = await h.api('POST', path, { responses: [results.responses[0], '6A88'] }, app.credential);
    assert.deepEqual([other.status, other.json.code], [409, 'ERR_TSM_BATCH_CONFLICT']);
    const ahead = await h.api('POST', `/tsm/v1/sessions/${first.sessionId}/batches/3`, results, app.credential);
    assert.deepEqual([ahead.status, ahead.json.code], [409, 'ERR_TSM_BATCH_SEQUENCE']);
    const current = await h.api('GET', `/tsm/v1/sessions/${first.sessionId}`, undefined, app.credential);
    assert.deepEqual(current.json.batch, answered.json.batch);
    const rest = await runner.run(answered.json.batch.steps);
    const third = await h.api('POST', `/tsm/v1/sessions/${first.sessionId}/batches/2`, rest, app.credential);
    const end = await h.api('POST', `/tsm/v1/sessions/${first.sessionId}/batches/3`, await runner.run(third.json.batch.steps), app.credential);
    assert.equal(end.json.state, 'completed');
  });

  it('survives a connection that drops after the server took a batch: the client sends the same responses again, nothing runs twice', async () => {
    const { phone, app } = await fresh();
    let dropped = 0;
    const flaky: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/batches/2') && dropped === 0) {
        dropped++;
        await res.arrayBuffer();
        throw new TypeError('fetch failed: connection reset');
      }
      return res;
    };
    let transmits = 0;
    const counting: SeChannels = {
      async open(aid) {
        const o = await phone.channels.open(aid);
        return { selectResponse: o.selectResponse, channel: { transmit: (c) => (transmits++, o.channel.transmit(c)), close: () => o.channel.close() } };
      },
    };
    const outcome = await relayClient(h, { ...phone, channels: counting }, app, { fetch: flaky }).run({ seId: phone.seId, purpose: 'prepare' });
    assert.equal(dropped, 1);
    assert.equal(outcome.session.state, 'completed', JSON.stringify(outcome.session));
    assert.equal(outcome.batches, 3);
    assert.equal(outcome.requests, 5, 'four requests and one repeat');
    const trace = (await h.api('GET', `/tsm/v1/sessions/${outcome.session.sessionId}/trace`, undefined, app.credential)).json as TraceDocument;
    assert.equal(transmits, trace.entries.filter((e) => e.wire !== '').length, 'every APDU reached the element once');
    assert.ok(trace.entries.every((e) => e.outcome === 'ok'));
    assert.equal((await h.sei.element(phone.seId))?.state, 'prepared');
  });

  it('after the retries give up (ERR_TSM_RELAY_NETWORK), resume() sends the kept responses instead of running the batch again', async () => {
    const { phone, app } = await fresh();
    let networkDown = true;
    const fetchThrough: typeof fetch = async (input, init) => {
      if (networkDown && String(input).endsWith('/batches/2')) throw new TypeError('fetch failed: network unreachable');
      return fetch(input, init);
    };
    const client = relayClient(h, phone, app, { fetch: fetchThrough });
    await assert.rejects(client.run({ seId: phone.seId, purpose: 'prepare' }), { code: 'ERR_TSM_RELAY_NETWORK' });
    const sessionId = client.sessionId!;
    const server = await h.api('GET', `/tsm/v1/sessions/${sessionId}`, undefined, app.credential);
    assert.equal(server.json.batch.seq, 2, 'the server still waits for batch 2');
    networkDown = false;
    const resumed = await client.resume(sessionId);
    assert.equal(resumed.session.state, 'completed', JSON.stringify(resumed.session));
    assert.equal(resumed.batches, 1, 'batch 2 was not run again: only batch 3 ran');
    assert.equal((await h.sei.element(phone.seId))?.state, 'prepared');
  });

  it('ends the session at an unexpected status word, with the step, its label and the SW; the steps after it were not sent; a new session recovers', async () => {
    const { phone, app } = await fresh();
    let altered = false;
    // An agent that changes one byte of the first LOAD block: the ISD's C-MAC check refuses it (6982).
    const channels = tampering(phone.channels, {
      command(c) {
        if (!altered && c[1] === 0xe8) {
          altered = true;
          const copy = Uint8Array.from(c);
          copy[7] = copy[7]! ^ 0x01;
          return copy;
        }
        return c;
      },
    });
    const outcome = await relayClient(h, { ...phone, channels }, app).run({ seId: phone.seId, purpose: 'prepare' });
    assert.equal(outcome.session.state, 'failed');
    const failure = outcome.session.failure!;
    assert.equal(failure.code, 'ERR_TSM_UNEXPECTED_SW');
    assert.equal(failure.sw, '6982');
    assert.equal(failure.batch, 2);
    assert.match(failure.label!, /^LOAD block 1\//);
    const trace = (await h.api('GET', `/tsm/v1/sessions/${outcome.session.sessionId}/trace`, undefined, app.credential)).json as TraceDocument;
    const batch2 = trace.entries.filter((e) => e.batch === 2);
    assert.equal(batch2[failure.step!]!.outcome, 'unexpected');
    assert.ok(batch2.slice(failure.step! + 1).every((e) => e.outcome === 'not-sent'));
    assert.equal((await h.sei.element(phone.seId))?.state, 'registered');
    const later = await h.api('POST', `/tsm/v1/sessions/${outcome.session.sessionId}/batches/3`, { responses: [] }, app.credential);
    assert.deepEqual([later.status, later.json.code], [409, 'ERR_TSM_BATCH_SEQUENCE']);
    const again = await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' });
    assert.equal(again.session.state, 'completed', 'the leftovers (APSD, its keys) are deleted first, then all goes through');
  });

  it('a locked APSD: SELECT answers 6A82 and issuance ends at its first step; the order is failed', async () => {
    const { phone, app } = await fresh();
    assert.equal((await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    assert.deepEqual(await asIssuer(phone, [Uint8Array.of(0x80, 0xf0, 0x40, 0x80, AID.APSD.length, ...AID.APSD)]), ['9000']);
    const outcome = await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'issue' }, { signApplication: cardSigner(card) });
    assert.equal(outcome.session.state, 'failed');
    assert.deepEqual({ ...outcome.session.failure, detail: undefined }, { code: 'ERR_TSM_UNEXPECTED_SW', detail: undefined, batch: 1, step: 0, label: 'SELECT APSD', sw: '6A82' });
    const orders = await h.sp.orders(phone.seId);
    assert.equal(orders[0]!.state, 'failed');
    assert.match(orders[0]!.failure!, /^ERR_TSM_UNEXPECTED_SW/);
  });

  it('a response altered on its way back fails its R-MAC: the session ends with ERR_TSM_SECURE_CHANNEL', async () => {
    const { phone, app } = await fresh();
    assert.equal((await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    const channels = tampering(phone.channels, {
      response(r, c) {
        if (c[1] !== 0xe2 || r.length < 100) return r;
        const copy = Uint8Array.from(r);
        copy[10] = copy[10]! ^ 0x80;
        return copy;
      },
    });
    const outcome = await relayClient(h, { ...phone, channels }, app).run({ seId: phone.seId, purpose: 'issue' }, { signApplication: cardSigner(card) });
    assert.equal(outcome.session.state, 'failed');
    assert.equal(outcome.session.failure!.code, 'ERR_TSM_SECURE_CHANNEL');
    assert.equal(outcome.session.failure!.batch, 2);
  });

  it('a phone-side failure (the channel cannot be opened) ends the session with ERR_TSM_AGENT', async () => {
    const { phone, app } = await fresh();
    const channels = tampering(phone.channels, {
      open() {
        throw new Error('no logical channel available');
      },
    });
    const outcome = await relayClient(h, { ...phone, channels }, app).run({ seId: phone.seId, purpose: 'prepare' });
    assert.equal(outcome.session.state, 'failed');
    assert.equal(outcome.session.failure!.code, 'ERR_TSM_AGENT');
    assert.match(outcome.session.failure!.detail, /^transmit-failed: no logical channel available/);
    assert.deepEqual([outcome.session.failure!.step, outcome.session.failure!.label], [0, 'SELECT ISD']);
  });

  it('a new session of the same element aborts the live one (ERR_TSM_ABORTED); the old one then takes no answers', async () => {
    const { phone, app } = await fresh();
    const body = { appInstanceId: app.appInstanceId, seId: phone.seId, purpose: 'prepare' };
    const first = (await h.api('POST', '/tsm/v1/sessions', body, app.credential)).json as SessionDocument;
    const second = await h.api('POST', '/tsm/v1/sessions', body, app.credential);
    assert.equal(second.status, 201);
    const old = (await h.api('GET', `/tsm/v1/sessions/${first.sessionId}`, undefined, app.credential)).json as SessionDocument;
    assert.equal(old.state, 'aborted');
    assert.equal(old.failure!.code, 'ERR_TSM_ABORTED');
    const late = await h.api('POST', `/tsm/v1/sessions/${first.sessionId}/batches/1`, { responses: ['9000'] }, app.credential);
    assert.deepEqual([late.status, late.json.code], [409, 'ERR_TSM_SESSION_ENDED']);
  });

  it('the CA refuses a signature by another card: 422 ERR_TSM_CA_REFUSED, the session still awaits one, and the right card completes it', async () => {
    const { phone, app } = await fresh();
    const client = relayClient(h, phone, app);
    assert.equal((await client.run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    const other = await newCard(h, { name: '鈴木\u3000次郎' });
    const wrong = async (application: Uint8Array) => ({ ...(await cardSigner(other)(application)), cardCertificate: (await cardSigner(card)(application)).cardCertificate });
    const refusal = await client.run({ seId: phone.seId, purpose: 'issue' }, { signApplication: wrong }).then(
      () => assert.fail('the CA accepted a signature by another card'),
      (err: unknown) => err,
    );
    assert.ok(refusal instanceof RelayRefusal);
    assert.deepEqual([refusal.code, refusal.status, refusal.problem], ['ERR_TSM_RELAY_PROTOCOL', 422, 'ERR_TSM_CA_REFUSED']);
    assert.match(refusal.message, /ERR_JPKI_CARD_SIGNATURE/);
    const waiting = (await h.api('GET', `/tsm/v1/sessions/${client.sessionId}`, undefined, app.credential)).json as SessionDocument;
    assert.equal(waiting.state, 'awaiting-signature');
    const done = await client.resume(client.sessionId!, { signApplication: cardSigner(card), replaceSecrets: ownSecrets(phone) });
    assert.equal(done.session.state, 'completed', JSON.stringify(done.session));
  });
});

forEachDialect('TSM relay: expiry', (ctx) => {
  let h: TsmHarness;
  let now = Date.now();
  before(async () => {
    h = await startTsm({ database: await ctx.freshConfig(), sessionTtlMs: 60_000, clock: () => new Date(now) });
  });
  after(() => h.stop());

  it('a session with no step for longer than its time to live expires: 410 ERR_TSM_SESSION_EXPIRED, and GET shows why', async () => {
    const phone = await newPhone(h);
    const app = await registerApp(h, phone);
    const opened = (await h.api('POST', '/tsm/v1/sessions', { appInstanceId: app.appInstanceId, seId: phone.seId, purpose: 'prepare' }, app.credential)).json as SessionDocument;
    const results = await new BatchRunner(phone.channels).run(opened.batch!.steps);
    now += 61_000;
    const late = await h.api('POST', `/tsm/v1/sessions/${opened.sessionId}/batches/1`, results, app.credential);
    assert.deepEqual([late.status, late.json.code], [410, 'ERR_TSM_SESSION_EXPIRED']);
    const doc = (await h.api('GET', `/tsm/v1/sessions/${opened.sessionId}`, undefined, app.credential)).json as SessionDocument;
    assert.equal(doc.state, 'expired');
    assert.equal(doc.failure!.code, 'ERR_TSM_SESSION_EXPIRED');
  });

  it('the temporary PIN and password are given only while the session awaits their replacement: again after a network drop, never after the confirmation', async () => {
    const phone = await newPhone(h);
    const app = await registerApp(h, phone);
    assert.equal((await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    let networkDown = true;
    const dropConfirmation: typeof fetch = async (input, init) => {
      if (networkDown && String(input).endsWith('/secrets-replaced')) throw new TypeError('fetch failed: network unreachable');
      return fetch(input, init);
    };
    const client = relayClient(h, phone, app, { fetch: dropConfirmation });
    let temporary: { pin: string; password: string } | undefined;
    const replace = ownSecrets(phone);
    await assert.rejects(
      client.run(
        { seId: phone.seId, purpose: 'issue' },
        {
          signApplication: cardSigner(await newCard(h)),
          async replaceSecrets(t) {
            temporary = { pin: t.pin!, password: t.password! };
            await replace(t);
          },
        },
      ),
      { code: 'ERR_TSM_RELAY_NETWORK' },
    );
    const sessionId = client.sessionId!;
    const path = `/tsm/v1/sessions/${sessionId}`;
    // Before the confirmation a resumed session may fetch them again: GET, or the last batch's responses again.
    const waiting = (await h.api('GET', path, undefined, app.credential)).json as SessionDocument;
    assert.equal(waiting.state, 'awaiting-replacement');
    assert.deepEqual(waiting.temporary, temporary);
    const last = (await h.jpki.db.query<{ responses: string }>('SELECT responses FROM tsm_batches WHERE session_id = $1 AND seq = 3', [sessionId]))[0]!;
    const repeated = await h.api('POST', `${path}/batches/3`, JSON.parse(last.responses), app.credential);
    assert.deepEqual([repeated.status, repeated.json.state, repeated.json.temporary], [200, 'awaiting-replacement', temporary]);
    // The client replaced them already: resumed, it only confirms (the applet is not asked again).
    networkDown = false;
    const resumed = await client.resume(sessionId, { replaceSecrets: async () => assert.fail('the secrets were replaced already') });
    assert.equal(resumed.session.state, 'completed', JSON.stringify(resumed.session));
    assert.equal(resumed.requests, 2, 'GET, then secrets-replaced');
    // After it, never: not by GET, not by the last batch again, not in the database.
    const after = [
      (await h.api('GET', path, undefined, app.credential)).json,
      (await h.api('POST', `${path}/batches/3`, JSON.parse(last.responses), app.credential)).json,
      (await h.api('POST', `${path}/secrets-replaced`, {}, app.credential)).json,
      (await h.api('GET', `${path}/trace`, undefined, app.credential)).json,
    ];
    for (const doc of after.slice(0, 3)) assert.deepEqual([doc.state, doc.temporary], ['completed', undefined]);
    for (const v of [temporary!.pin, temporary!.password]) assert.deepEqual(leaksOf(after, v, [referenceDataHex(v)]), [], `${v} is shown after the confirmation`);
    assert.match(JSON.stringify(after[3]), /secrets replaced: the app set the user's own PIN and password/);
    const row = (await h.jpki.db.query<{ secrets: Uint8Array | null }>('SELECT secrets FROM tsm_sessions WHERE id = $1', [sessionId]))[0]!;
    assert.equal(row.secrets, null);
    const { client: applet, close } = await appletClient(phone);
    try {
      await assert.rejects(applet.verify('pin', temporary!.pin), { code: 'ERR_JPKI_AP_PIN_INCORRECT' });
      await applet.verify('pin', temporary!.pin === '4321' ? '4322' : '4321');
    } finally {
      await close();
    }
  });

  it('an app that does not replace them: the session waits (ERR_TSM_RELAY_REPLACER at the client), then expires and the temporary values go with it', async () => {
    const phone = await newPhone(h);
    const app = await registerApp(h, phone);
    const client = relayClient(h, phone, app);
    assert.equal((await client.run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    await assert.rejects(client.run({ seId: phone.seId, purpose: 'issue' }, { signApplication: cardSigner(await newCard(h)) }), { code: 'ERR_TSM_RELAY_REPLACER' });
    const path = `/tsm/v1/sessions/${client.sessionId}`;
    assert.equal((await h.api('GET', path, undefined, app.credential)).json.state, 'awaiting-replacement');
    const early = await h.api('POST', `/tsm/v1/sessions/${(await h.api('POST', '/tsm/v1/sessions', { appInstanceId: app.appInstanceId, seId: phone.seId, purpose: 'sync' }, app.credential)).json.sessionId}/secrets-replaced`, {}, app.credential);
    assert.deepEqual([early.status, early.json.code], [409, 'ERR_TSM_NOT_AWAITING_REPLACEMENT'], 'a sync session replaces nothing');
    const aborted = (await h.api('GET', path, undefined, app.credential)).json as SessionDocument;
    assert.deepEqual([aborted.state, aborted.failure?.code, aborted.temporary], ['aborted', 'ERR_TSM_ABORTED', undefined], 'the new session aborted the waiting one');
    const late = await h.api('POST', `${path}/secrets-replaced`, {}, app.credential);
    assert.deepEqual([late.status, late.json.code], [409, 'ERR_TSM_SESSION_ENDED']);
    // Another issuance left waiting past its time to live.
    const again = relayClient(h, phone, app);
    await assert.rejects(again.run({ seId: phone.seId, purpose: 'issue' }, { signApplication: cardSigner(await newCard(h)) }), { code: 'ERR_TSM_RELAY_REPLACER' });
    now += 61_000;
    const expired = await h.api('POST', `/tsm/v1/sessions/${again.sessionId}/secrets-replaced`, {}, app.credential);
    assert.deepEqual([expired.status, expired.json.code], [410, 'ERR_TSM_SESSION_EXPIRED']);
    const doc = (await h.api('GET', `/tsm/v1/sessions/${again.sessionId}`, undefined, app.credential)).json as SessionDocument;
    assert.deepEqual([doc.state, doc.temporary], ['expired', undefined]);
    const rows = await h.jpki.db.query<{ id: string; secrets: Uint8Array | null }>('SELECT id, secrets FROM tsm_sessions WHERE se_id = $1', [phone.seId]);
    assert.ok(rows.every((r) => r.secrets === null), 'no session of the element keeps a temporary value');
  });
});
