import { FileCardStore } from '../card/index.js';

/** A push message the shelved phone received, and what the app made of it (never a secret). */
export interface ReceivedNotification {
  readonly id: string;
  readonly appId: string;
  readonly sentAt: string;
  readonly receivedAt: string;
  /** The message's data as sent (`{type, purpose, orderId?, sessionId?}` for the JPKI app). */
  readonly data: Record<string, unknown>;
  /** `handled`: the app ran the session; `failed`: it will be handed over again; `dropped`: a message the app does not understand. */
  readonly outcome: 'handled' | 'failed' | 'dropped';
  readonly attempts: number;
  readonly session: { readonly purpose: string; readonly sessionId: string; readonly state: string } | null;
  /** The app's code when it failed or dropped the message. */
  readonly code: string | null;
}

/** A factory reset done on the shelf (flow 10): the notice the OS sent, who was told, who is still to be. */
export interface ResetRecord {
  readonly noticeId: string;
  readonly resetAt: string;
  /** Handlers told during the reset (`jpki-se-agent`, `push-agent`). */
  readonly completed: readonly string[];
  /** Handlers whose notice stayed pending (sent again when the phone is next online). */
  readonly pending: readonly string[];
}

/**
 * What the web interface keeps beside a shelved phone's own files (`web.json`): the serials of every
 * issuance the phone went through (the app's data holds only the current ones; certificate management
 * shows the history with the CA's states) and the last push messages it received.
 */
export interface PhoneNotes {
  readonly format: 'jpki-mobile/web-phone@1';
  readonly createdAt: string;
  readonly issued: readonly { readonly auth: string; readonly sign: string; readonly at: string }[];
  readonly notifications: readonly ReceivedNotification[];
  /** The factory resets done on the shelf, newest last (absent in notes written before). */
  readonly resets?: readonly ResetRecord[];
}

export const NOTES_FILE = 'web.json';
/** Notifications kept per phone (the oldest go first). */
export const MAX_NOTIFICATIONS = 50;
const MAX_ISSUED = 100;
const MAX_RESETS = 20;

export function newNotes(now: Date): PhoneNotes {
  return { format: 'jpki-mobile/web-phone@1', createdAt: now.toISOString(), issued: [], notifications: [] };
}

function isNotes(v: unknown): v is PhoneNotes {
  const o = v as Partial<PhoneNotes> | null;
  return typeof o === 'object' && o !== null && o.format === 'jpki-mobile/web-phone@1' && typeof o.createdAt === 'string' && Array.isArray(o.issued) && Array.isArray(o.notifications) && (o.resets === undefined || Array.isArray(o.resets));
}

/** The notes of one phone folder, read and written whole (atomic replacement, 0600). */
export class NotesStore {
  readonly #store: FileCardStore<PhoneNotes>;

  constructor(path: string) {
    this.#store = new FileCardStore<PhoneNotes>(path);
  }

  create(notes: PhoneNotes): Promise<void> {
    return this.#store.create(notes);
  }

  /** The notes; a missing or damaged file reads as empty notes (they are a display aid, not state). */
  async load(): Promise<PhoneNotes> {
    try {
      const v = await this.#store.load();
      if (isNotes(v)) return v;
    } catch {
      // missing or not JSON
    }
    return newNotes(new Date(0));
  }

  async addIssued(auth: string, sign: string, at: Date): Promise<void> {
    const n = await this.load();
    await this.#store.save({ ...n, issued: [...n.issued, { auth, sign, at: at.toISOString() }].slice(-MAX_ISSUED) });
  }

  async addReset(record: ResetRecord): Promise<void> {
    const n = await this.load();
    await this.#store.save({ ...n, resets: [...(n.resets ?? []), record].slice(-MAX_RESETS) });
  }

  /** Records a notification, or updates the one of the same id (a message handed over again). */
  async record(entry: Omit<ReceivedNotification, 'attempts'>): Promise<void> {
    const n = await this.load();
    const previous = n.notifications.find((x) => x.id === entry.id);
    const updated: ReceivedNotification = { ...entry, receivedAt: previous?.receivedAt ?? entry.receivedAt, attempts: (previous?.attempts ?? 0) + 1 };
    const rest = n.notifications.filter((x) => x.id !== entry.id);
    await this.#store.save({ ...n, notifications: [...rest, updated].slice(-MAX_NOTIFICATIONS) });
  }
}
