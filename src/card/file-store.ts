import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CardError } from './errors.js';
import type { CardStore } from './store.js';

/** The durable points of a save, in order: the temp file is complete on disk, then it has replaced the old file. */
export type FileStoreStep = 'temp-written' | 'renamed';

export interface FileCardStoreOptions {
  /**
   * Called at each durable point of a save, before `save` goes on (tracing; fault injection in the
   * anti-tearing tests, which kill the process there). A rejection aborts the save.
   */
  readonly onStep?: (step: FileStoreStep) => void | Promise<void>;
}

const MODE = 0o600;

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A card's state as a JSON file, owner-only (0600), replaced atomically: the new document is written
 * to a temporary file in the same directory, fsynced, renamed over the old one, and the directory is
 * fsynced. Whenever the process dies, the file holds either the old document or the new one, whole.
 */
export class FileCardStore<T = unknown> implements CardStore<T> {
  readonly path: string;
  readonly #onStep: FileCardStoreOptions['onStep'];

  constructor(path: string, options: FileCardStoreOptions = {}) {
    this.path = path;
    this.#onStep = options.onStep;
  }

  async load(): Promise<T> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw new CardError('ERR_CARD_STATE_MISSING', `no card file at ${this.path}`, { cause: err });
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new CardError('ERR_CARD_STATE_INVALID', `${this.path} is not a JSON document`, { cause: err });
    }
  }

  async save(state: T): Promise<void> {
    const temp = await this.#writeTemp(state);
    await this.#onStep?.('temp-written');
    try {
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    await fsyncDirectory(dirname(this.path));
    await this.#onStep?.('renamed');
  }

  /** Writes a new card file; `ERR_CARD_STATE_EXISTS` if there is one already (it is left untouched). */
  async create(state: T): Promise<void> {
    const temp = await this.#writeTemp(state);
    try {
      await link(temp, this.path);
    } catch (err) {
      if (isErrno(err, 'EEXIST')) throw new CardError('ERR_CARD_STATE_EXISTS', `${this.path} exists already`, { cause: err });
      throw err;
    } finally {
      await rm(temp, { force: true });
    }
    await fsyncDirectory(dirname(this.path));
  }

  async #writeTemp(state: T): Promise<string> {
    const text = JSON.stringify(state, null, 2) + '\n';
    const temp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', MODE);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.chmod(MODE);
      await handle.sync();
    } catch (err) {
      await handle.close();
      await rm(temp, { force: true });
      throw err;
    }
    await handle.close();
    return temp;
  }
}
