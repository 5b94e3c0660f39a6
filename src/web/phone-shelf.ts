import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JPKI_APP_PACKAGE, JpkiApp, makePhoneDir, openPhoneDir, PHONE_FILES, PhoneDirError, type OpenedPhone } from '../app/index.js';
import { hasCode } from '../errors/index.js';
import { readSecret } from '../services/home/index.js';
import type { PushMessage } from '../services/push/index.js';
import { WebError } from './errors.js';
import { KeyedQueue } from './keyed-queue.js';
import { newNotes, NOTES_FILE, NotesStore } from './phone-notes.js';

/** A phone's id on the shelf (a UUID), which names its folder `<home>/phones/<id>/`. */
export const PHONE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Phones a shelf holds at most (each has a secure element registered at the SEI-TSM). */
export const MAX_PHONES = 20;

/** A phone in hand: its OS, element and push component powered on, the JPKI app once it is opened. */
export interface PhoneInHand {
  readonly id: string;
  readonly dir: string;
  readonly opened: OpenedPhone;
  readonly notes: NotesStore;
  app: JpkiApp | undefined;
  lastPoll: { readonly at: string; readonly handled: number; readonly code: string | null } | null;
}

export interface PhoneShelfOptions {
  /** The system's URL (new phones are registered with it and talk to it). */
  readonly baseUrl: () => string;
  /** The admin token the maker's endpoints need (default: `<home>/secrets/admin.token` or `$JPKI_ADMIN_TOKEN`). */
  readonly adminToken?: () => string;
  /** How often each phone's push component polls (default 3 s; 0: only on request). */
  readonly pollMs?: number;
  readonly onError?: (err: unknown) => void;
}

/**
 * The holders' phones, kept by the server (a browser cannot hold a phone or its secure element): one
 * folder each under `<home>/phones/<id>/`, in the format of `jpki-mobile phone new` (docs/app.md), plus
 * the web interface's notes (`web.json`). A phone is opened (powered on) at first use and stays so until
 * the shelf closes. Work on one phone is queued (one hand holds it): two requests never interleave their
 * APDUs or their app data. Each phone's push component polls the push service in the background, through
 * the same queue, so a deletion order reaches a phone that is online.
 */
export class PhoneShelf {
  readonly dir: string;
  readonly #home: string;
  readonly #options: PhoneShelfOptions;
  readonly #queue = new KeyedQueue();
  readonly #loaded = new Map<string, Promise<PhoneInHand>>();
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #closed = false;

  constructor(home: string, options: PhoneShelfOptions) {
    this.#home = home;
    this.dir = join(home, 'phones');
    this.#options = options;
  }

  /** Starts the background push polling (every `pollMs`). */
  start(): void {
    const ms = this.#options.pollMs ?? 3_000;
    if (ms <= 0 || this.#timer) return;
    this.#timer = setInterval(() => void this.#tick(), ms);
    this.#timer.unref();
  }

  /** Stops polling, lets queued work finish, and powers every phone off. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#queue.idle();
    for (const loading of this.#loaded.values()) {
      try {
        await (await loading).opened.close();
      } catch (err) {
        this.#options.onError?.(err);
      }
    }
    this.#loaded.clear();
  }

  /** The system's URL, which the shelf's phones were made with (and the shop terminal trusts). */
  systemUrl(): string {
    return this.#options.baseUrl().replace(/\/+$/, '');
  }

  ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    return names.filter((n) => PHONE_ID.test(n)).sort();
  }

  #check(id: string): void {
    if (!PHONE_ID.test(id) || !this.ids().includes(id)) throw new WebError('ERR_WEB_PHONE_UNKNOWN', `no phone '${id}'`);
  }

  /** Makes a phone as its maker would (`jpki-mobile phone new`) and puts it on the shelf. */
  async make(model: string, now = new Date()): Promise<string> {
    if (this.#closed) throw new WebError('ERR_WEB_PHONE_SHELF_CLOSED', 'the phone shelf is closed');
    if (this.ids().length >= MAX_PHONES) throw new WebError('ERR_WEB_PHONE_SHELF_FULL', `the shelf holds ${MAX_PHONES} phones at most`);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const id = randomUUID();
    const dir = join(this.dir, id);
    try {
      const adminToken = this.#options.adminToken?.() ?? readSecret(this.#home, 'admin.token', 'JPKI_ADMIN_TOKEN');
      await makePhoneDir(dir, { url: this.#options.baseUrl(), model, home: this.#home, adminToken });
      await new NotesStore(join(dir, NOTES_FILE)).create(newNotes(now));
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      if (err instanceof PhoneDirError || hasCode(err, 'ERR_HOME_SECRET')) throw new WebError('ERR_WEB_PHONE_MAKER', `the phone could not be made: ${(err as Error).message}`, { cause: err });
      throw err;
    }
    return id;
  }

  /** The phone in hand, opened once (not queued: for reading its state). */
  peek(id: string): Promise<PhoneInHand> {
    this.#check(id);
    return this.#load(id);
  }

  /** Runs `work` with the phone in hand, after the work queued on it before. */
  use<T>(id: string, work: (p: PhoneInHand) => Promise<T>): Promise<T> {
    this.#check(id);
    if (this.#closed) return Promise.reject(new WebError('ERR_WEB_PHONE_SHELF_CLOSED', 'the phone shelf is closed'));
    return this.#queue.run(id, async () => work(await this.#load(id)));
  }

  #load(id: string): Promise<PhoneInHand> {
    let loading = this.#loaded.get(id);
    if (!loading) {
      const dir = join(this.dir, id);
      loading = openPhoneDir(dir).then((opened) => ({ id, dir, opened, notes: new NotesStore(join(dir, NOTES_FILE)), app: undefined, lastPoll: null }));
      // A phone that could not be opened is tried again next time.
      loading.catch(() => this.#loaded.delete(id));
      this.#loaded.set(id, loading);
    }
    return loading;
  }

  /** The JPKI app of a phone in hand (`ERR_WEB_PHONE_NO_APP` when it is not installed). */
  async app(p: PhoneInHand): Promise<JpkiApp> {
    if (p.app && p.opened.phone.app(JPKI_APP_PACKAGE)) return p.app;
    if (!p.opened.phone.app(JPKI_APP_PACKAGE)) throw new WebError('ERR_WEB_PHONE_NO_APP', 'the JPKI app is not installed on this phone: install it from the app store');
    return this.#attach(p, await JpkiApp.open({ phone: p.opened.phone, store: p.opened.appStore, push: p.opened.push }));
  }

  /** Installs the JPKI app package of the phone's folder (what the store delivers). */
  async install(p: PhoneInHand): Promise<JpkiApp> {
    const signingCertificate = new Uint8Array(readFileSync(join(p.dir, PHONE_FILES.appPackage)));
    const app = await JpkiApp.install({ phone: p.opened.phone, store: p.opened.appStore, push: p.opened.push, signingCertificate, serverUrl: p.opened.serverUrl });
    return this.#attach(p, app);
  }

  /** The app's push messages go through the notes: each one is recorded with what the app made of it. */
  #attach(p: PhoneInHand, app: JpkiApp): JpkiApp {
    p.app = app;
    p.opened.push.on(app.packageName, (m) => this.#onPush(p, app, m));
    return app;
  }

  async #onPush(p: PhoneInHand, app: JpkiApp, m: PushMessage): Promise<void> {
    const base = { id: m.id, appId: m.appId, sentAt: m.sentAt, receivedAt: new Date().toISOString(), data: m.data };
    try {
      const outcome = await app.handlePush(m.data);
      const s = outcome.session;
      await p.notes.record({ ...base, outcome: 'handled', session: { purpose: s.purpose, sessionId: s.sessionId, state: s.state }, code: null });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      const dropped = code === 'ERR_APP_PUSH_MESSAGE';
      await p.notes.record({ ...base, outcome: dropped ? 'dropped' : 'failed', session: null, code: typeof code === 'string' ? code : 'ERR_INTERNAL' });
      // A message the app does not understand is acknowledged and dropped; any other failure is handed over again.
      if (!dropped) throw err;
    }
  }

  /** Polls the push service once for the phone (queued); resolves with the messages handled. */
  pollNow(id: string): Promise<number> {
    return this.use(id, (p) => this.#poll(p));
  }

  async #poll(p: PhoneInHand): Promise<number> {
    if (!p.opened.phone.online || !p.opened.phone.app(JPKI_APP_PACKAGE)) return 0;
    const app = await this.app(p);
    if (!app.data.pushToken) return 0;
    try {
      const { handled } = await p.opened.push.deliverOnce(app.serverUrl, 0);
      p.lastPoll = { at: new Date().toISOString(), handled, code: null };
      return handled;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      p.lastPoll = { at: new Date().toISOString(), handled: 0, code: typeof code === 'string' ? code : 'ERR_INTERNAL' };
      throw err;
    }
  }

  async #tick(): Promise<void> {
    if (this.#ticking || this.#closed) return;
    this.#ticking = true;
    try {
      for (const id of this.ids()) {
        if (this.#closed) break;
        await this.use(id, (p) => this.#poll(p)).catch((err: unknown) => this.#options.onError?.(err));
      }
    } finally {
      this.#ticking = false;
    }
  }
}
