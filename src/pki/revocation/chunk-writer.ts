import type { SignStream } from '../signer.js';

/** Receives a CRL's DER piece by piece; may be asynchronous (a file or HTTP stream with back-pressure). */
export type CrlSink = (chunk: Uint8Array) => void | Promise<void>;

/** Chunks handed to the sink are about this size (the last one is shorter). */
export const CHUNK_SIZE = 64 * 1024;

/**
 * The CRL writer's output buffer. Bytes are encoded straight into `buf`; a full buffer is handed to
 * the sink, and its signed part to the signature stream, then replaced by a fresh one, so the sink may
 * keep every chunk it receives and memory stays at one chunk whatever the number of entries. With
 * `reuse`, a sink that returns nothing (it copied the chunk) gets the same buffer back each time: no
 * garbage per chunk.
 */
export class ChunkWriter {
  buf = new Uint8Array(CHUNK_SIZE);
  pos = 0;
  /** Bytes already handed to the sink. */
  flushed = 0;
  /** Where the signed region starts in `buf`, or -1 outside TBSCertList. */
  private signFrom = -1;

  constructor(
    private readonly sink: CrlSink,
    private readonly signature: SignStream,
    private readonly reuse = false,
  ) {}

  /** Makes room for `n` bytes; returns a promise only when an asynchronous sink must be awaited. */
  room(n: number): Promise<void> | undefined {
    return this.pos + n <= this.buf.length ? undefined : this.flush();
  }

  flush(): Promise<void> | undefined {
    if (this.pos === 0) return undefined;
    const chunk = this.buf.subarray(0, this.pos);
    if (this.signFrom >= 0) {
      this.signature.update(chunk.subarray(this.signFrom));
      this.signFrom = 0;
    }
    const full = this.buf;
    this.flushed += this.pos;
    this.pos = 0;
    const r = this.sink(chunk);
    this.buf = this.reuse && r === undefined ? full : new Uint8Array(CHUNK_SIZE);
    return r === undefined ? undefined : Promise.resolve(r);
  }

  /** Appends bytes of any size. */
  async put(bytes: Uint8Array): Promise<void> {
    let from = 0;
    while (from < bytes.length) {
      if (this.pos === this.buf.length) await this.flush();
      const n = Math.min(bytes.length - from, this.buf.length - this.pos);
      this.buf.set(bytes.subarray(from, from + n), this.pos);
      this.pos += n;
      from += n;
    }
  }

  /** Everything written from now on is fed to the signature stream too. */
  startSigning(): void {
    this.signFrom = this.pos;
  }

  stopSigning(): void {
    if (this.signFrom >= 0) this.signature.update(this.buf.subarray(this.signFrom, this.pos));
    this.signFrom = -1;
  }
}
