import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPair, randomBytes, randomInt, sign, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseCrl } from '../../../src/pki/revocation/index.js';
import { encodeHolderRevocationRequest, encodePhoneIssuanceApplication } from '../../../src/services/jpki/application.js';
import { openDatabase, verifyAudit, type Database, type DatabaseConfig, type Queryable } from '../../../src/store/index.js';
import { DEFAULT_PERSON } from '../../helpers/jpki.js';
import { forEachDialect } from '../../helpers/postgres.js';
import { ocspAnswer, ocspRequest } from './fixtures/ocsp-client.js';

/**
 * The crash test: the service runs as `jpki-mobile start` in a child process; a driver fires a stream
 * of issuance (card and phone), revocation, hold and holder-revocation requests at it and SIGKILLs it
 * at a random moment, restarts it, and checks the store after every restart.
 */

const MAIN = fileURLToPath(new URL('../../../src/cli/main.js', import.meta.url));
const KILLS = 25;
/** Wall-clock budget per dialect for the kill-restart loop (the loop stops early beyond it). */
const BUDGET_MS = 30_000;
const MIN_KILLS = 10;
const IN_FLIGHT = 4;

const generate = promisify(generateKeyPair);
const run = promisify(execFile);

interface Card {
  personId: string;
  signSerial: string;
  authSerial: string;
  signCert: string; // base64 DER
  signKey: KeyObject;
}

interface Phone {
  personId: string;
  seId: string;
  signSerial: string;
  authSerial: string;
  authKey: KeyObject;
}

/** What the service acknowledged: each must hold in the store after every later crash. */
interface Acks {
  exist: Set<string>;
  revoked: Set<string>;
  heldOrRevoked: Set<string>;
}

interface Service {
  readonly child: ChildProcess;
  readonly url: string;
  readonly stderr: () => string;
}

function pemToB64(pem: string): string {
  return pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
}

function spkiB64(key: KeyObject): string {
  return Buffer.from(createPublicKey(key).export({ type: 'spki', format: 'der' })).toString('base64');
}

/** Starts `jpki-mobile start --port 0` and resolves once it prints its address. */
function startService(home: string, env: NodeJS.ProcessEnv): Promise<Service> {
  const child = spawn(process.execPath, [MAIN, 'start', '--home', home, '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not start within 20 s: ${out}${err}`));
    }, 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`the service exited during start-up (${code ?? signal}): ${out}${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

async function post(url: string, token: string, body: unknown): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const pick = <T>(list: readonly T[]): T | undefined => (list.length === 0 ? undefined : list[randomInt(list.length)]);

/**
 * The driver: IN_FLIGHT loops, each sending one request after another until `stop()` (the kill);
 * acknowledged effects go into `acks`, every answer's status into `statuses`.
 */
class Driver {
  readonly cards: Card[] = [];
  readonly phones: Phone[] = [];
  readonly acks: Acks = { exist: new Set(), revoked: new Set(), heldOrRevoked: new Set() };
  readonly statuses = new Map<string, number>();
  readonly unexpected: string[] = [];
  /** Requests that failed while the service was up (none may). */
  readonly failures: string[] = [];
  /** CRL numbers seen, by CRL (`sign/1`, `auth/1`) and service instance (one per start). */
  readonly crlNumbers = new Map<string, Map<number, bigint[]>>();
  lostInFlight = 0;
  acknowledged = 0;
  #stopped = false;
  #instance = 0;

  constructor(
    private readonly keys: readonly KeyObject[],
    private readonly token: string,
  ) {}

  /** Drops from the model what the store says is revoked (it may have happened unacknowledged). */
  async refresh(db: Database): Promise<void> {
    const revoked = new Set((await db.query<{ serial: string }>("SELECT serial FROM certificates WHERE status = 'revoked'")).map((r) => r.serial));
    const keep = <T extends { signSerial: string }>(list: T[]) => list.splice(0, list.length, ...list.filter((x) => !revoked.has(x.signSerial)));
    keep(this.cards);
    keep(this.phones);
  }

  #answered: () => void = () => undefined;

  /** Starts the loops; `answered` resolves at the first answer of this run (the service is warm). */
  run(url: string, instance: number): { stop(): void; done: Promise<void>; answered: Promise<void> } {
    this.#stopped = false;
    this.#instance = instance;
    const answered = new Promise<void>((resolve) => (this.#answered = resolve));
    const loops = Array.from({ length: IN_FLIGHT }, async () => {
      while (!this.#stopped) {
        const op = this.#choose();
        try {
          await this.#once(url, op);
        } catch (err) {
          // The connection died with the service: the outcome is unknown (committed or not).
          if (this.#stopped) this.lostInFlight++;
          else {
            this.failures.push(`${op}: ${err instanceof Error ? err.message : String(err)}`);
            await sleep(5);
          }
        }
      }
    });
    return { stop: () => void (this.#stopped = true), done: Promise.all(loops).then(() => undefined), answered };
  }

  /** A card and two handsets for it, each step acknowledged: leaves a live phone and a deletion order. */
  async finalRound(url: string): Promise<void> {
    const before = this.acknowledged;
    await this.#once(url, 'card');
    const card = this.cards[this.cards.length - 1]!;
    for (let i = 0; i < 2; i++) {
      const phone = await this.#phone(url, card, `SE-final-${i}`);
      assert.equal(phone.status, 201, JSON.stringify(phone.json));
    }
    assert.equal(this.acknowledged, before + 3);
  }

  #choose(): string {
    const r = randomInt(100);
    if (this.cards.length < 2 || r < 15) return 'card';
    if (r < 23) return 'renew';
    if (r < 60) return 'phone';
    if (r < 72) return 'revoke-phone';
    if (r < 82) return 'revoke-card';
    if (r < 90) return 'hold';
    if (r < 96) return 'holder-revoke';
    return 'crl';
  }

  #count(op: string, status: number, expected: readonly number[], detail: unknown): boolean {
    this.#answered();
    this.statuses.set(`${op} ${status}`, (this.statuses.get(`${op} ${status}`) ?? 0) + 1);
    if (!expected.includes(status)) this.unexpected.push(`${op}: ${status} ${JSON.stringify(detail)}`);
    const ok = status === 200 || status === 201;
    if (ok && op !== 'crl') this.acknowledged++;
    return ok;
  }

  /** Fetches a CRL (`sign/1`) and records its number for the service instance that served it. */
  async crl(url: string, crl: string, instance: number): Promise<void> {
    const res = await fetch(`${url}/crl/${crl}.crl`, { signal: AbortSignal.timeout(15_000) });
    const der = new Uint8Array(await res.arrayBuffer());
    if (this.#count('crl', res.status, [200], res.statusText)) {
      const byInstance = this.crlNumbers.get(crl) ?? this.crlNumbers.set(crl, new Map()).get(crl)!;
      byInstance.set(instance, [...(byInstance.get(instance) ?? []), parseCrl(der).crlNumber!]);
    }
  }

  async #phone(url: string, card: Card, seId: string): Promise<{ status: number; json: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
    const authKey = pick(this.keys)!;
    const application = encodePhoneIssuanceApplication({
      seId,
      signPublicKey: Buffer.from(spkiB64(pick(this.keys)!), 'base64'),
      authPublicKey: Buffer.from(spkiB64(authKey), 'base64'),
      nonce: randomBytes(16).toString('base64url'),
      time: new Date(),
    });
    const r = await post(url + '/api/v1/phone-certificates', this.token, {
      application: Buffer.from(application).toString('base64'),
      signature: sign('sha256', application, card.signKey).toString('base64'),
      cardCertificate: card.signCert,
    });
    if (this.#count('phone', r.status, [201, 422], r.json)) {
      this.phones.push({ personId: card.personId, seId, signSerial: r.json.sign.serial, authSerial: r.json.auth.serial, authKey });
      this.acks.exist.add(r.json.sign.serial).add(r.json.auth.serial);
      for (const s of r.json.superseded as string[]) this.acks.revoked.add(s);
    }
    return r;
  }

  async #once(url: string, op: string): Promise<void> {
    const api = (path: string, body: unknown) => post(url + path, this.token, body);
    const key = () => pick(this.keys)!;
    // Refusals that a stale model legitimately meets: the target was revoked or held meanwhile.
    const refusals = [409, 422];
    switch (op) {
      case 'card':
      case 'renew': {
        const previous = op === 'renew' ? pick(this.cards) : undefined;
        const signKey = key();
        const r = await api('/api/v1/card-certificates', {
          person: DEFAULT_PERSON,
          ...(previous ? { personId: previous.personId } : {}),
          cardExpiry: '2035-12-31',
          signPublicKey: spkiB64(signKey),
          authPublicKey: spkiB64(key()),
        });
        if (this.#count(op, r.status, [201], r.json)) {
          this.cards.push({ personId: r.json.personId, signSerial: r.json.sign.serial, authSerial: r.json.auth.serial, signCert: pemToB64(r.json.sign.pem), signKey });
          this.acks.exist.add(r.json.sign.serial).add(r.json.auth.serial);
        }
        return;
      }
      case 'phone': {
        const card = pick(this.cards)!;
        const previous = this.phones.filter((p) => p.personId === card.personId).pop();
        // Mostly a new handset; sometimes re-issuance onto the same element (no deletion order then).
        await this.#phone(url, card, previous && randomInt(4) === 0 ? previous.seId : `SE-${randomBytes(6).toString('hex')}`);
        return;
      }
      case 'revoke-phone':
      case 'revoke-card': {
        const target = op === 'revoke-phone' ? pick(this.phones)?.[randomInt(2) ? 'signSerial' : 'authSerial'] : pick(this.cards)?.signSerial;
        if (!target) return;
        const reason = op === 'revoke-phone' ? 'keyCompromise' : pick(['keyCompromise', 'affiliationChanged', 'cessationOfOperation'])!;
        const r = await api(`/api/v1/certificates/${target}/revoke`, { reason });
        if (this.#count(op, r.status, [200, ...refusals], r.json)) for (const s of r.json.revoked as string[]) this.acks.revoked.add(s);
        return;
      }
      case 'hold': {
        const target = pick([...this.phones.map((p) => p.authSerial), ...this.cards.map((c) => c.authSerial)]);
        if (!target) return;
        const r = await api(`/api/v1/certificates/${target}/hold`, {});
        if (this.#count(op, r.status, [200, ...refusals], r.json)) this.acks.heldOrRevoked.add(target);
        return;
      }
      case 'crl':
        await this.crl(url, `${pick(['sign', 'auth'])!}/1`, this.#instance);
        return;
      default: {
        const phone = pick(this.phones);
        if (!phone) return;
        const request = encodeHolderRevocationRequest({ serial: phone.authSerial, reason: 'cessationOfOperation', nonce: randomBytes(16).toString('base64url'), time: new Date() });
        const r = await post(url + '/api/v1/holder/revocations', '', { request: Buffer.from(request).toString('base64'), signature: sign('sha256', request, phone.authKey).toString('base64') });
        if (this.#count(op, r.status, [200, ...refusals], r.json)) for (const s of r.json.revoked as string[]) this.acks.revoked.add(s);
        return;
      }
    }
  }
}

interface CertRow {
  serial: string;
  hierarchy: string;
  generation: number;
  device: string;
  person_id: string;
  se_id: string | null;
  linked_serial: string | null;
  status: string;
  reason: number | null;
  revoked_at: string | null;
  issued_at: string;
}

/** Every rule the store must keep whatever the moment of the crash; returns the violations. */
async function checkStore(db: Queryable, acks: Acks): Promise<string[]> {
  const problems: string[] = [];
  const certs = await db.query<CertRow>('SELECT serial, hierarchy, generation, device, person_id, se_id, linked_serial, status, reason, revoked_at, issued_at FROM certificates');
  const bySerial = new Map(certs.map((c) => [c.serial, c]));
  const audit = await db.query<{ action: string; subject: string }>("SELECT action, subject FROM audit_log WHERE action LIKE 'certificate-%'");
  const entries = (action: string) => {
    const m = new Map<string, number>();
    for (const e of audit) if (e.action === action) m.set(e.subject, (m.get(e.subject) ?? 0) + 1);
    return m;
  };
  const issued = entries('certificate-issued');
  const revokedEntries = entries('certificate-revoked');
  const heldEntries = entries('certificate-held');

  // 1. No certificate without its record, no record without its certificate.
  for (const c of certs) if (issued.get(c.serial) !== 1) problems.push(`certificate ${c.serial} has ${issued.get(c.serial) ?? 0} certificate-issued entries`);
  for (const s of issued.keys()) if (!bySerial.has(s)) problems.push(`certificate-issued ${s} has no certificate row`);
  // 2. Every status has the audit entry that explains it.
  for (const c of certs) {
    if (c.status === 'revoked' && revokedEntries.get(c.serial) !== 1) problems.push(`revoked ${c.serial} has ${revokedEntries.get(c.serial) ?? 0} certificate-revoked entries`);
    if (c.status === 'held' && !heldEntries.has(c.serial)) problems.push(`held ${c.serial} has no certificate-held entry`);
    if (c.status === 'good' && (revokedEntries.has(c.serial) || heldEntries.has(c.serial))) problems.push(`good ${c.serial} has a revocation or hold entry`);
  }
  // 3. No lost outgoing event: every revoked phone certificate has its deletion order, unless it was
  //    superseded by a certificate on the same element (re-issuance overwrites the keys there).
  const outbox = await db.query<{ serials: string; se_id: string | null; kind: string }>('SELECT kind, se_id, serials FROM outbox');
  const ordered = new Map<string, string | null>();
  for (const e of outbox) {
    if (e.kind !== 'phone-keys-delete') problems.push(`outbox event of unknown kind ${e.kind}`);
    for (const s of JSON.parse(e.serials) as string[]) {
      ordered.set(s, e.se_id);
      const c = bySerial.get(s);
      if (!c || c.device !== 'phone' || c.status !== 'revoked') problems.push(`outbox event for ${s}, which is not a revoked phone certificate (${c?.device} ${c?.status})`);
    }
  }
  for (const c of certs) {
    if (c.device !== 'phone' || c.status !== 'revoked') continue;
    const sameElement =
      Number(c.reason) === 4 &&
      certs.some((n) => n.device === 'phone' && n.person_id === c.person_id && n.hierarchy === c.hierarchy && n.se_id === c.se_id && n.issued_at === c.revoked_at && n.serial !== c.serial);
    if (!sameElement && !ordered.has(c.serial)) problems.push(`revoked phone certificate ${c.serial} (reason ${c.reason}) has no deletion event`);
    if (ordered.has(c.serial) && ordered.get(c.serial) !== c.se_id) problems.push(`deletion event for ${c.serial} names another element`);
  }
  // 4. No half-done cascade: a revoked card certificate has no live phone certificate linked to it.
  for (const c of certs) {
    if (c.device !== 'phone' || c.status === 'revoked') continue;
    const card = bySerial.get(c.linked_serial ?? '');
    if (!card) problems.push(`phone certificate ${c.serial} links to no card certificate`);
    else if (card.status === 'revoked') problems.push(`phone certificate ${c.serial} is ${c.status} but its card certificate ${card.serial} is revoked`);
  }
  // 5. One live certificate per person, device and type.
  const live = new Map<string, number>();
  for (const c of certs) if (c.status !== 'revoked') live.set(`${c.person_id}/${c.device}/${c.hierarchy}`, (live.get(`${c.person_id}/${c.device}/${c.hierarchy}`) ?? 0) + 1);
  for (const [k, n] of live) if (n > 1) problems.push(`${n} live certificates for ${k}`);
  // 6. Nothing acknowledged was lost.
  for (const s of acks.exist) if (!bySerial.has(s)) problems.push(`acknowledged certificate ${s} is missing`);
  for (const s of acks.revoked) if (bySerial.get(s)?.status !== 'revoked') problems.push(`acknowledged revocation of ${s} is lost (${bySerial.get(s)?.status})`);
  for (const s of acks.heldOrRevoked) if (!['held', 'revoked'].includes(bySerial.get(s)?.status ?? '')) problems.push(`acknowledged hold of ${s} is lost (${bySerial.get(s)?.status})`);
  // 7. The audit chain verifies.
  const verification = await verifyAudit(db);
  if (!verification.ok) problems.push(`audit chain broken: ${JSON.stringify(verification.firstBroken)}`);
  return problems;
}

/** The restarted service answers OCSP, with the store's status, for a good and a revoked certificate. */
async function checkOcsp(db: Database, url: string): Promise<number> {
  let asked = 0;
  for (const status of ['good', 'revoked']) {
    const row = (await db.query<{ serial: string; hierarchy: string; generation: number; certificate: Uint8Array }>(
      `SELECT c.serial, c.hierarchy, c.generation, g.certificate FROM certificates c JOIN ca_generations g ON g.hierarchy = c.hierarchy AND g.generation = c.generation
       WHERE c.status = $1 ORDER BY c.issued_at DESC, c.serial LIMIT 1`,
      [status],
    ))[0];
    if (!row) continue;
    const res = await fetch(`${url}/ocsp/${row.hierarchy}`, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: ocspRequest(row.certificate, row.serial),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 200);
    const answer = ocspAnswer(new Uint8Array(await res.arrayBuffer()));
    assert.equal(answer.cert?.kind, status, `OCSP after restart for ${status} ${row.serial}`);
    asked++;
  }
  return asked;
}

forEachDialect('JPKI service: SIGKILL during issuance and revocation, then restart', (ctx) => {
  let home = '';
  let env: NodeJS.ProcessEnv = {};
  let db: Database;
  let token = '';
  let keys: KeyObject[] = [];
  let current: Service | undefined;
  let acks: Acks | undefined;

  before(async () => {
    home = join(await mkdtemp(join(tmpdir(), 'jpki-crash-')), 'home');
    const config: DatabaseConfig = await ctx.freshConfig();
    env = { ...process.env, JPKI_MOBILE_HOME: home };
    delete env.JPKI_MOBILE_DATABASE_URL;
    if (config.kind === 'postgres') env.JPKI_MOBILE_DATABASE_URL = config.connectionString;
    const [, ...generated] = await Promise.all([
      run(process.execPath, [MAIN, 'init', '--home', home], { env, timeout: 60_000 }),
      ...Array.from({ length: 6 }, () => generate('rsa', { modulusLength: 2048, publicExponent: 65537 }).then((k) => k.privateKey)),
    ]);
    keys = generated as KeyObject[];
    token = (await readFile(join(home, 'secrets', 'admin.token'), 'utf8')).trim();
    // Not ctx.track: that closes it after each test, and both tests here use it.
    db = await openDatabase(config.kind === 'postgres' ? { ...config, poolSize: 2 } : { kind: 'sqlite', path: join(home, 'jpki-mobile.db') });
  });

  after(async () => {
    if (current && current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill('SIGKILL');
      await exited(current.child);
    }
    await db?.close();
    await rm(join(home, '..'), { recursive: true, force: true });
  });

  it(`is consistent after each of up to ${KILLS} kills at random moments`, { timeout: 120_000 }, async (t) => {
    const driver = new Driver(keys, token);
    const started = Date.now();
    let kills = 0;
    let ocspAnswers = 0;
    const delays: number[] = [];
    const startups: number[] = [];
    while (kills < KILLS && (kills < MIN_KILLS || Date.now() - started < BUDGET_MS)) {
      const t0 = Date.now();
      current = await startService(home, env);
      startups.push(Date.now() - t0);
      assert.deepEqual(await checkStore(db, driver.acks), [], `after restart ${kills}`);
      ocspAnswers += await checkOcsp(db, current.url);
      for (const crl of ['sign/1', 'auth/1']) await driver.crl(current.url, crl, kills);
      await driver.refresh(db);

      const load = driver.run(current.url, kills);
      // The kill comes 20-400 ms into the stream of requests (counted from the first answer, so that
      // it does not land in the start-up of a slow machine every time).
      await Promise.race([load.answered, sleep(10_000, undefined, { ref: false })]);
      const delay = 20 + randomInt(381);
      delays.push(delay);
      await sleep(delay);
      // The driver stops starting new requests; those in flight die with the service.
      load.stop();
      current.child.kill('SIGKILL');
      await exited(current.child);
      await load.done;
      assert.equal(current.child.signalCode, 'SIGKILL');
      assert.doesNotMatch(current.stderr(), /error/i, 'the service logged no internal error before the kill');
      kills++;
    }
    // The last restart: consistent, answering, working (a card, then two handsets: one deletion
    // order at least), and it stops cleanly.
    current = await startService(home, env);
    assert.deepEqual(await checkStore(db, driver.acks), [], 'after the last restart');
    ocspAnswers += await checkOcsp(db, current.url);
    await driver.finalRound(current.url);
    assert.deepEqual(await checkStore(db, driver.acks), [], 'after the last round');
    current.child.kill('SIGTERM');
    await exited(current.child);
    assert.equal(current.child.exitCode, 0);

    assert.deepEqual(driver.unexpected, [], 'every answer was an acknowledgement or an expected refusal');
    assert.deepEqual(driver.failures.slice(0, 5), [], 'no request failed while the service was up');
    assert.ok(kills >= MIN_KILLS, `${kills} kills`);
    const counts = await db.query<{ device: string; status: string; n: number }>('SELECT device, status, count(*) AS n FROM certificates GROUP BY device, status ORDER BY device, status');
    const outbox = Number((await db.query<{ n: number }>('SELECT count(*) AS n FROM outbox'))[0]!.n);
    startups.sort((a, b) => a - b);
    t.diagnostic(
      `${ctx.dialect}: ${kills} kills in ${Date.now() - started} ms (delays ${Math.min(...delays)}-${Math.max(...delays)} ms), ${driver.acknowledged} acknowledged requests, ` +
        `${driver.lostInFlight} requests in flight at a kill, ${ocspAnswers} OCSP answers after restarts, start-up median ${startups[startups.length >> 1]} ms`,
    );
    t.diagnostic(`store: ${counts.map((c) => `${c.device}/${c.status} ${c.n}`).join(', ')}, outbox ${outbox}`);
    t.diagnostic(`answers: ${[...driver.statuses].map(([k, n]) => `${k}: ${n}`).join(', ')}`);
    // CRL numbers keep increasing across crashes: whatever an instance handed out (or allocated and
    // died before handing out), the next one starts above it (RFC 5280 5.2.3).
    for (const [crl, byInstance] of driver.crlNumbers) {
      let previous = -1n;
      for (const [instance, numbers] of [...byInstance].sort((a, b) => a[0] - b[0])) {
        const min = numbers.reduce((a, b) => (a < b ? a : b));
        assert.ok(min > previous, `CRL ${crl}, instance ${instance}: number ${min} after ${previous}`);
        previous = numbers.reduce((a, b) => (a > b ? a : b));
      }
      t.diagnostic(`CRL ${crl}: numbers up to ${previous}, fetched from ${byInstance.size} instances`);
    }
    assert.ok(driver.acknowledged >= kills, `the driver got work done between the kills (${driver.acknowledged} acknowledgements)`);
    assert.ok(driver.lostInFlight >= 2 * kills, `kills hit requests in flight (${driver.lostInFlight})`);
    for (const op of ['card', 'phone', 'revoke-card']) assert.ok(driver.statuses.has(`${op} ${op === 'revoke-card' ? 200 : 201}`), `some ${op} requests were acknowledged`);
    acks = driver.acks;
  });

  it('the checks above can fail: they see a lost event, a half cascade, a certificate without record, a lost acknowledgement', async () => {
    assert.ok(acks, 'the crash loop ran');
    const sentinel = new Error('roll back');
    await assert.rejects(
      db.transaction(async (tx) => {
        assert.deepEqual(await checkStore(tx, acks!), [], 'consistent before the damage');
        const event = (await tx.query<{ id: number; serials: string }>('SELECT id, serials FROM outbox ORDER BY id LIMIT 1'))[0]!;
        await tx.execute('DELETE FROM outbox WHERE id = $1', [event.id]);
        const live = (await tx.query<{ serial: string; linked_serial: string }>("SELECT serial, linked_serial FROM certificates WHERE device = 'phone' AND status = 'good' ORDER BY issued_at DESC LIMIT 1"))[0]!;
        await tx.execute("UPDATE certificates SET status = 'revoked', reason = 1, revoked_at = $2 WHERE serial = $1", [live.linked_serial, new Date().toISOString()]);
        const row = (await tx.query<Record<string, unknown>>("SELECT * FROM certificates WHERE status = 'revoked' LIMIT 1"))[0]!;
        const orphan = '7F' + randomBytes(15).toString('hex').toUpperCase();
        await tx.execute(
          `INSERT INTO certificates (serial, hierarchy, generation, device, person_id, card_id, se_id, linked_serial, status, reason, revoked_at, not_before, not_after, subject, der, issued_at)
           SELECT $1, hierarchy, generation, device, person_id, card_id, se_id, linked_serial, status, reason, revoked_at, not_before, not_after, subject, der, issued_at FROM certificates WHERE serial = $2`,
          [orphan, row.serial as string],
        );
        const lost = '7E' + randomBytes(15).toString('hex').toUpperCase();
        const problems = await checkStore(tx, { ...acks!, exist: new Set([...acks!.exist, lost]) });
        const expect = [
          ...(JSON.parse(event.serials) as string[]).map((s) => `revoked phone certificate ${s} `),
          `phone certificate ${live.serial} is good but its card certificate ${live.linked_serial} is revoked`,
          `certificate ${orphan} has 0 certificate-issued entries`,
          `acknowledged certificate ${lost} is missing`,
        ];
        for (const e of expect) assert.ok(problems.some((p) => p.startsWith(e)), `the checks report '${e}…' (got ${JSON.stringify(problems)})`);
        throw sentinel;
      }),
      (err) => err === sentinel,
    );
    assert.deepEqual(await checkStore(db, acks!), [], 'rolled back: consistent again');
  });
});
