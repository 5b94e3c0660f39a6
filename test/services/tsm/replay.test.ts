import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { BatchRunner, type SeChannels, type SessionDocument, type TraceDocument } from '../../../src/services/tsm/index.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { cardSigner, newCard, newPhone, ownSecrets, registerApp, relayClient, startTsm, tampering, type App, type Card, type Phone, type TsmHarness } from './helpers.js';

/**
 * Replays in the relay, on SQLite and PostgreSQL. A man in the middle on the phone's side re-sends a
 * protected command the element has executed already (a STORE DATA or PUT KEY of an earlier batch, or
 * the same command twice): the element refuses it (SCP03 C-MAC chaining: 6982, and its secure channel is
 * closed), the relay client stops there, and the SP-TSM ends the session at that step, with nothing
 * after it sent. On the HTTP side, responses posted again: for the same batch a repeat after a lost
 * answer (answered from storage, nothing changes); another batch's, or one protected response seen
 * before, end the session with ERR_TSM_RESPONSE_REPLAYED.
 */

const JPKI_APPLET = 'D392F000260100000001';

/** The JPKI applet's persistent data in the element (keys and certificates), as JSON. */
function appletData(phone: Phone): { keys: Record<string, unknown>; certificates: Record<string, unknown> } {
  const entry = phone.element.state.registry.find((e) => e.kind === 'application' && e.aid.toUpperCase() === JPKI_APPLET);
  assert.ok(entry && entry.kind === 'application');
  return structuredClone(entry.data) as { keys: Record<string, unknown>; certificates: Record<string, unknown> };
}

/** A command of another moment moved to the logical channel the current one is on (OMAPI's CLA bits), as an agent could. */
function onChannelOf(old: Uint8Array, current: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(old);
  copy[0] = (old[0]! & ~0x03) | (current[0]! & 0x03);
  return copy;
}

forEachDialect('TSM relay: replayed commands and responses', (ctx) => {
  let h: TsmHarness;
  let card: Card;
  before(async () => {
    h = await startTsm({ database: await ctx.freshConfig() });
    card = await newCard(h);
  });
  after(() => h.stop());

  async function fresh(profile: 'development' | 'production' = 'development'): Promise<{ phone: Phone; app: App }> {
    const phone = await newPhone(h, profile);
    return { phone, app: await registerApp(h, phone) };
  }

  async function trace(app: App, sessionId: string): Promise<TraceDocument> {
    return (await h.api('GET', `/tsm/v1/sessions/${sessionId}/trace`, undefined, app.credential)).json as TraceDocument;
  }

  /** The session's failure, and its trace of `batch`: what ran, what was refused, what was not sent. */
  async function ended(app: App, session: SessionDocument, batch: number) {
    assert.equal(session.state, 'failed', JSON.stringify(session));
    const stored = (await h.api('GET', `/tsm/v1/sessions/${session.sessionId}`, undefined, app.credential)).json as SessionDocument;
    assert.deepEqual(stored.failure, session.failure, 'the session records the failure');
    return (await trace(app, session.sessionId)).entries.filter((e) => e.batch === batch).map((e) => e.outcome);
  }

  it('issuance: the STORE DATA of batch 2 (GENERATE KEY PAIR) replayed in batch 3 is refused by the element (6982); the session fails there and nothing after it is sent', async () => {
    const { phone, app } = await fresh();
    assert.equal((await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    let generate: Uint8Array | undefined;
    let keysBefore: unknown;
    let sent = 0;
    let replayedAt = 0;
    const channels = tampering(phone.channels, {
      command(c) {
        sent++;
        if (c[1] !== 0xe2) return c;
        if (!generate) {
          generate = Uint8Array.from(c);
          return c;
        }
        if (replayedAt === 0) {
          // Batch 3's first STORE DATA (certificates, block 1) replaced by batch 2's GENERATE KEY PAIR.
          replayedAt = sent;
          keysBefore = appletData(phone).keys;
          return onChannelOf(generate, c);
        }
        return c;
      },
    });
    const outcome = await relayClient(h, { ...phone, channels }, app).run({ seId: phone.seId, purpose: 'issue' }, { signApplication: cardSigner(card), replaceSecrets: ownSecrets(phone) });
    const failure = outcome.session.failure!;
    assert.deepEqual({ ...failure, detail: undefined, label: undefined }, { code: 'ERR_TSM_UNEXPECTED_SW', detail: undefined, batch: 3, step: 1, label: undefined, sw: '6982' });
    assert.match(failure.label!, /^STORE DATA block 1\//);
    assert.equal(sent, replayedAt, 'no command was sent to the element after the refused one');
    const outcomes = await ended(app, outcome.session, 3);
    assert.deepEqual(outcomes.slice(0, 2), ['ok', 'unexpected']);
    assert.ok(outcomes.length > 20 && outcomes.slice(2).every((o) => o === 'not-sent'), JSON.stringify(outcomes));
    // The key pairs were not generated again, and no certificate was written.
    assert.deepEqual(appletData(phone).keys, keysBefore);
    assert.deepEqual(appletData(phone).certificates, {});
    const order = (await h.sp.orders(phone.seId))[0]!;
    assert.equal(order.state, 'failed');
    assert.match(order.failure!, /^ERR_TSM_UNEXPECTED_SW/);
  });

  it('preparation: the ISD\'s PUT KEY of batch 2 replayed onto the APSD in batch 3 is refused (6982); the SP\'s own PUT KEY never reaches the element', async () => {
    const { phone, app } = await fresh('production');
    let isdPutKey: Uint8Array | undefined;
    let sent = 0;
    let replayedAt = 0;
    const channels = tampering(phone.channels, {
      command(c) {
        sent++;
        if (c[1] !== 0xd8) return c;
        if (!isdPutKey) {
          isdPutKey = Uint8Array.from(c);
          return c;
        }
        if (replayedAt === 0) replayedAt = sent;
        return replayedAt === sent ? onChannelOf(isdPutKey, c) : c;
      },
    });
    const outcome = await relayClient(h, { ...phone, channels }, app).run({ seId: phone.seId, purpose: 'prepare' });
    const failure = outcome.session.failure!;
    assert.deepEqual([failure.code, failure.batch, failure.step, failure.sw], ['ERR_TSM_UNEXPECTED_SW', 3, 1, '6982']);
    assert.match(failure.label!, /^PUT KEY APSD/);
    assert.equal(sent, replayedAt);
    const outcomes = await ended(app, outcome.session, 3);
    assert.deepEqual(outcomes.slice(0, 2), ['ok', 'unexpected']);
    assert.ok(outcomes.slice(2).every((o) => o === 'not-sent'), JSON.stringify(outcomes));
    assert.notEqual((await h.sei.element(phone.seId))?.state, 'prepared');
    assert.notEqual(await h.sp.elementState(phone.seId), 'ready');
  });

  it('a command sent twice inside a batch: the element refuses the copy (6982) and closes its secure channel, so the next real command is refused too', async () => {
    const { phone, app } = await fresh();
    assert.equal((await relayClient(h, phone, app).run({ seId: phone.seId, purpose: 'prepare' })).session.state, 'completed');
    let storeData = 0;
    let copyAnswered = '';
    let afterCopy = 0;
    const channels: SeChannels = {
      async open(aid) {
        const o = await phone.channels.open(aid);
        return {
          selectResponse: o.selectResponse,
          channel: {
            async transmit(c) {
              if (copyAnswered) afterCopy++;
              const r = await o.channel.transmit(c);
              if (c[1] === 0xe2 && ++storeData === 2) {
                // Batch 3's first block, once answered, sent again behind the agent's back.
                const copy = await o.channel.transmit(c);
                copyAnswered = Buffer.from(copy.subarray(copy.length - 2)).toString('hex').toUpperCase();
              }
              return r;
            },
            close: () => o.channel.close(),
          },
        };
      },
    };
    const outcome = await relayClient(h, { ...phone, channels }, app).run({ seId: phone.seId, purpose: 'issue' }, { signApplication: cardSigner(card), replaceSecrets: ownSecrets(phone) });
    assert.equal(copyAnswered, '6982', 'the element refused the copy');
    const failure = outcome.session.failure!;
    assert.deepEqual([failure.code, failure.batch, failure.step, failure.sw], ['ERR_TSM_UNEXPECTED_SW', 3, 2, '6982']);
    assert.match(failure.label!, /^STORE DATA block 2\//);
    assert.equal(afterCopy, 1, 'only the next real command went to the element, and it was refused');
    const outcomes = await ended(app, outcome.session, 3);
    assert.deepEqual(outcomes.slice(0, 3), ['ok', 'ok', 'unexpected']);
    assert.ok(outcomes.slice(3).every((o) => o === 'not-sent'));
    assert.deepEqual(appletData(phone).certificates, {});
  });

  it('responses posted again: for the same batch a repeat (the stored answer, nothing changes); another batch\'s end the session with ERR_TSM_RESPONSE_REPLAYED', async () => {
    const { phone, app } = await fresh();
    const opened = (await h.api('POST', '/tsm/v1/sessions', { appInstanceId: app.appInstanceId, seId: phone.seId, purpose: 'prepare' }, app.credential)).json as SessionDocument;
    const id = opened.sessionId;
    const post = (seq: number, body: unknown) => h.api('POST', `/tsm/v1/sessions/${id}/batches/${seq}`, body, app.credential);
    const runner = new BatchRunner(phone.channels);
    const r1 = await runner.run(opened.batch!.steps);
    const a1 = (await post(1, r1)).json as SessionDocument;
    const r2 = await runner.run(a1.batch!.steps);
    const a2 = await post(2, r2);
    assert.equal(a2.json.batch.seq, 3);
    const state = async () => ({
      row: (await h.jpki.db.query<{ version: number; state: string }>('SELECT version, state FROM tsm_sessions WHERE id = $1', [id]))[0],
      trace: await trace(app, id),
    });
    const before = await state();
    const repeat = await post(2, r2);
    assert.deepEqual([repeat.status, repeat.json], [200, a2.json], 'a repeat gets the stored answer');
    assert.deepEqual(await state(), before, 'and changes nothing');
    // The element runs batch 3; a man in the middle posts batch 2's responses as its answer.
    const r3 = await runner.run(a2.json.batch.steps);
    const replay = await post(3, r2);
    assert.equal(replay.status, 200);
    const doc = replay.json as SessionDocument;
    assert.equal(doc.state, 'failed');
    assert.deepEqual([doc.failure!.code, doc.failure!.batch], ['ERR_TSM_RESPONSE_REPLAYED', 3]);
    assert.match(doc.failure!.detail, /batch 2 was answered with/);
    const real = await post(3, r3);
    assert.deepEqual([real.status, real.json.code], [409, 'ERR_TSM_BATCH_CONFLICT']);
    assert.equal(((await h.api('GET', `/tsm/v1/sessions/${id}`, undefined, app.credential)).json as SessionDocument).failure!.code, 'ERR_TSM_RESPONSE_REPLAYED');
    assert.equal((await h.jpki.db.query('SELECT seq FROM tsm_batches WHERE session_id = $1 AND seq > 3', [id])).length, 0, 'nothing further was planned');
  });

  it('one protected response of an earlier batch spliced into the real ones: ERR_TSM_RESPONSE_REPLAYED at that step', async () => {
    const { phone, app } = await fresh();
    const opened = (await h.api('POST', '/tsm/v1/sessions', { appInstanceId: app.appInstanceId, seId: phone.seId, purpose: 'prepare' }, app.credential)).json as SessionDocument;
    const id = opened.sessionId;
    const post = (seq: number, body: unknown) => h.api('POST', `/tsm/v1/sessions/${id}/batches/${seq}`, body, app.credential);
    const runner = new BatchRunner(phone.channels);
    const a1 = (await post(1, await runner.run(opened.batch!.steps))).json as SessionDocument;
    const r2 = await runner.run(a1.batch!.steps);
    const a2 = (await post(2, r2)).json as SessionDocument;
    const r3 = await runner.run(a2.batch!.steps);
    const entries = (await trace(app, id)).entries;
    const isProtected = (e: TraceDocument['entries'][number]) => e.wire !== '' && e.wire !== e.command;
    // A protected step of batch 2 the element answered 9000 with an R-MAC (not a DELETE of nothing: 6A88, no MAC).
    const old = entries.find((e) => e.batch === 2 && isProtected(e) && r2.responses[e.index]!.length > 4 && r2.responses[e.index]!.endsWith('9000'))!;
    const target = entries.filter((e) => e.batch === 3 && isProtected(e)).at(-1)!;
    const spliced = { responses: r3.responses.map((r, i) => (i === target.index ? r2.responses[old.index]! : r)) };
    const doc = (await post(3, spliced)).json as SessionDocument;
    assert.equal(doc.state, 'failed');
    assert.deepEqual([doc.failure!.code, doc.failure!.batch, doc.failure!.step, doc.failure!.label], ['ERR_TSM_RESPONSE_REPLAYED', 3, target.index, target.label]);
    assert.match(doc.failure!.detail, new RegExp(`answer to batch 2 step ${old.index} `));
  });
});
