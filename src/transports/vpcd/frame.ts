import { VpcdError } from '../errors.js';

/*
 * vsmartcard vpcd framing (vsmartcard `vpcd.c`, `VirtualSmartcard.py`): every message in both
 * directions is a 2-byte big-endian length followed by that many payload bytes. TCP may split a frame
 * over several reads and join several frames into one read, so the decoder keeps what it has until a
 * frame is complete. A length of 0 is a protocol error.
 */

export const MAX_PAYLOAD = 0xffff;

/** Length-prefixes a payload of 1..65535 bytes. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length === 0 || payload.length > MAX_PAYLOAD) {
    throw new VpcdError('ERR_VPCD_FRAME_SIZE', `a vpcd frame carries 1..${MAX_PAYLOAD} bytes, not ${payload.length}`);
  }
  const out = new Uint8Array(payload.length + 2);
  out[0] = payload.length >> 8;
  out[1] = payload.length & 0xff;
  out.set(payload, 2);
  return out;
}

/**
 * Reassembles frames from a byte stream. `push` returns the payloads completed by a chunk (possibly
 * none, possibly several); the buffer never holds more than one frame (65537 bytes) plus one chunk.
 * After an error the decoder is unusable: the stream has lost its framing and must be closed.
 */
export class FrameDecoder {
  #pending: Uint8Array = new Uint8Array(0);
  #failed = false;

  push(chunk: Uint8Array): Uint8Array[] {
    if (this.#failed) throw new VpcdError('ERR_VPCD_FRAME_EMPTY', 'the stream already failed');
    let buf = this.#pending.length === 0 ? chunk : concat2(this.#pending, chunk);
    const frames: Uint8Array[] = [];
    while (buf.length >= 2) {
      const length = (buf[0]! << 8) | buf[1]!;
      if (length === 0) {
        this.#failed = true;
        this.#pending = new Uint8Array(0);
        throw new VpcdError('ERR_VPCD_FRAME_EMPTY', 'vpcd sent a frame of length 0');
      }
      if (buf.length < 2 + length) break;
      frames.push(buf.slice(2, 2 + length));
      buf = buf.subarray(2 + length);
    }
    this.#pending = buf.slice();
    return frames;
  }

  /** Bytes received that do not yet form a whole frame. */
  get buffered(): number {
    return this.#pending.length;
  }
}

function concat2(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
