import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { OnlineEvent } from '../../src/app/index.js';
import type { CardPort } from '../../src/card/index.js';
import { hasCode } from '../../src/errors/index.js';
import type { FetchLike } from '../../src/devices/phone/index.js';
import { appletContents, CARD_PASSWORD, caRecord, holdsKeys, newCard, ocsp, ordersOf, PASSWORD, PIN, preparedHandset, startE2e, type E2e, type Handset } from './support/flows.js';

/**
 * Two phones of the same person apply at once (flows.md 6: the negative case of "one active certificate
 * per type"), end to end through the SP-TSM against the running system. Both phones are prepared; both
 * run `app.issue` at the same time with the one card. A card is in one reader at a time, so the test
 * passes it from one phone to the other (a queue: each phone takes it when asked for the card's password,
 * gives it back once its signature is on its way); then both signature requests are held until both are
 * ready and go out together, so both sessions are open and the SP-TSM's two requests to the CA race.
 * The order desk runs once when both have their answer, before either writes its certificates.
 *
 * Outcome: exactly one active certificate per type for the person at the CA, OCSP agreeing; the other
 * phone's were superseded (or its application refused with a specific code), and its element ends with
 * no active certificate: the deletion order made for it survives its own issuance writing those very
 * certificates, and its app's next contact wipes them.
 */

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

function bounded<T>(p: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)))]).finally(() => clearTimeout(timer));
}

/** The one card, in one reader at a time: a phone takes it (waiting its turn) and gives it back. */
class CardQueue {
  holder: string | undefined;
  readonly #turns: { name: string; go: () => void }[] = [];
  readonly order: string[] = [];

  constructor(readonly card: CardPort) {}

  take(name: string): Promise<void> {
    const turn = deferred();
    this.#turns.push({ name, go: turn.resolve });
    if (this.holder === undefined) this.#next();
    return bounded(turn.promise, `the card for ${name}`);
  }

  give(name: string): void {
    if (this.holder !== name) return;
    this.holder = undefined;
    this.#next();
  }

  #next(): void {
    const turn = this.#turns.shift();
    if (!turn) return;
    this.holder = turn.name;
    this.order.push(turn.name);
    turn.go();
  }

  /** The card as phone `name`'s NFC reader sees it: usable only while that phone holds it. */
  reader(name: string): CardPort {
    const card = this.card;
    const check = () => {
      if (this.holder !== name) throw new Error(`phone ${name} used the card while it was in ${this.holder ?? 'no'} reader`);
    };
    return {
      get atr() {
        return card.atr;
      },
      get powered() {
        return card.powered;
      },
      powerOn: () => (check(), card.powerOn()),
      powerOff: () => card.powerOff(),
      reset: () => (check(), card.reset()),
      transmit: (c) => (check(), card.transmit(c)),
    };
  }
}

describe('flow 6, negative: two phones of the same person apply at once', () => {
  let h: E2e;
  before(async () => {
    h = await startE2e({ ordersIntervalMs: 0 });
  });
  after(() => h?.stop());

  it('ends with one active certificate per type at the CA and in OCSP; the other phone\'s are superseded and its element wiped', { timeout: 240_000 }, async () => {
    const card = new CardQueue(await newCard(h));
    const names = ['A', 'B'] as const;
    const signing = { ready: new Set<string>(), all: deferred(), answered: new Set<string>(), answers: deferred() };
    const timing: Record<string, { start: number; end: number }> = {};
    const states: Record<string, string> = {};
    let dispatched: Promise<unknown> | undefined;
    const handsets: Record<string, Handset> = {};

    const network = (name: string): FetchLike => async (input, init) => {
      const path = new URL(input instanceof Request ? input.url : String(input)).pathname;
      const method = init?.method ?? 'GET';
      if (method === 'POST' && path.endsWith('/signature')) {
        // Its signature is made: the card goes back, and the request waits for the other phone's.
        card.give(name);
        signing.ready.add(name);
        if (signing.ready.size === names.length) {
          for (const n of names) states[n] = ((await h.get(`/tsm/v1/sessions?seId=${handsets[n]!.seId}`, h.admin)).json.sessions as { state: string }[])[0]!.state;
          signing.all.resolve();
        }
        await bounded(signing.all.promise, 'both signatures');
        timing[name] = { start: performance.now(), end: 0 };
        try {
          return await fetch(input, init);
        } finally {
          timing[name]!.end = performance.now();
          signing.answered.add(name);
          if (signing.answered.size === names.length) signing.answers.resolve();
        }
      }
      if (method === 'POST' && path.endsWith('/batches/3') && signing.ready.has(name)) {
        // (The issuance's batch 3, not the preparation's.) Both CA answers are in: the order desk runs
        // before either phone writes its certificates.
        await bounded(signing.answers.promise, 'both CA answers');
        await (dispatched ??= h.system.dispatchOrders());
      }
      return fetch(input, init);
    };

    for (const n of names) handsets[n] = await preparedHandset(h, `Phone ${n}`, { fetch: network(n) });
    const outcomes = await Promise.allSettled(
      names.map(async (n) => {
        try {
          return await handsets[n]!.app.issue({
            card: card.reader(n),
            cardPassword: async () => (await card.take(n), CARD_PASSWORD),
            newSecrets: async () => ({ pin: PIN, pinConfirm: PIN, password: PASSWORD, passwordConfirm: PASSWORD }),
          });
        } finally {
          card.give(n);
        }
      }),
    );

    // Both applications were signed with the one card, one after the other, while both sessions were open;
    // both requests to the CA were under way at the same moment.
    assert.deepEqual([...card.order].sort(), ['A', 'B']);
    assert.deepEqual(states, { A: 'awaiting-signature', B: 'awaiting-signature' });
    assert.ok(timing.A!.start <= timing.B!.end && timing.B!.start <= timing.A!.end, 'the two signature requests overlapped');

    const issued = names.filter((_, i) => outcomes[i]!.status === 'fulfilled');
    for (const [i, o] of outcomes.entries()) {
      // A loser may be refused (the CA's one-active-certificate rule) with a specific code, never anything else.
      if (o.status === 'rejected') assert.ok(hasCode(o.reason, 'ERR_APP_ISSUANCE_REFUSED') || hasCode(o.reason, 'ERR_APP_SESSION_FAILED'), `phone ${names[i]}: ${String(o.reason)}`);
    }
    assert.ok(issued.length >= 1, 'at least one phone was issued');
    const serialsOf = (n: string) => {
      const o = outcomes[names.indexOf(n as 'A')]!;
      return o.status === 'fulfilled' ? { auth: o.value.authSerial, sign: o.value.signSerial } : undefined;
    };

    // The CA: exactly one active certificate per type for the person, on one element.
    const personId = (await caRecord(h, serialsOf(issued[0]!)!.sign)).personId;
    const person = (await h.get(`/api/v1/persons/${personId}`, h.admin)).json as { certificates: { serial: string; hierarchy: string; device: string; status: string; reason: number | null; seId: string | null }[] };
    const phones = person.certificates.filter((c) => c.device === 'phone');
    const active = phones.filter((c) => c.status !== 'revoked');
    assert.deepEqual(active.map((c) => c.hierarchy).sort(), ['auth', 'sign']);
    assert.equal(new Set(active.map((c) => c.seId)).size, 1);
    const winner = names.find((n) => handsets[n]!.seId === active[0]!.seId)!;
    const loser = names.find((n) => n !== winner)!;
    assert.deepEqual(serialsOf(winner), { auth: active.find((c) => c.hierarchy === 'auth')!.serial, sign: active.find((c) => c.hierarchy === 'sign')!.serial });
    for (const c of phones.filter((x) => x.status === 'revoked')) assert.deepEqual([c.seId, c.reason], [handsets[loser]!.seId, 4], 'only the loser\'s, superseded');

    // OCSP agrees.
    for (const hierarchy of ['auth', 'sign'] as const) {
      assert.deepEqual(await ocsp(h, serialsOf(winner)![hierarchy], hierarchy), { kind: 'good' });
      const lost = serialsOf(loser)?.[hierarchy];
      if (lost) assert.deepEqual(await ocsp(h, lost, hierarchy), { kind: 'revoked', reason: 'superseded' });
    }

    // The winner keeps its keys; the loser's element ends with no active certificate.
    assert.ok(holdsKeys(handsets[winner]!));
    assert.deepEqual(await ordersOf(h, handsets[winner]!.seId), []);
    const lost = serialsOf(loser);
    if (lost) {
      // Its certificates were written, superseded: the deletion order made for them was not cancelled by
      // its own issuance, and its app's next contact (the push message, then a sync) wipes the applet.
      const [order, ...more] = await ordersOf(h, handsets[loser]!.seId);
      assert.equal(more.length, 0);
      assert.equal(order!.state, 'pending');
      assert.deepEqual([...order!.serials].sort(), [lost.auth, lost.sign].sort());
      const events: OnlineEvent[] = [];
      const report = await handsets[loser]!.app.runOnline({ once: true, onEvent: (e) => events.push(e) });
      assert.equal(report.errors, 0, JSON.stringify(events));
      assert.equal((await ordersOf(h, handsets[loser]!.seId))[0]!.state, 'done');
      assert.equal(handsets[loser]!.app.data.certificates, null);
      assert.ok(!holdsKeys(handsets[loser]!), 'no key left');
    }
    // Either way its applet holds no certificate (a refused application never had any written).
    assert.deepEqual(appletContents(handsets[loser]!)?.certificates ?? [], []);
  });
});
