import type { Socket } from 'node:net';
import type { LeanContext, LeanRoute } from './context.js';
import { LeanHttpError } from './errors.js';
import type { RequestHead } from './request-head.js';
import { HEAD, NEED_MORE, RequestParser } from './request-parser.js';
import { CLOSE, CONTINUE_100, KEEP_ALIVE, problemReply, type LeanReply, type Persistence } from './response.js';
import { SNIFF_MORE, SNIFF_OTHER } from './sniff.js';

/** Timeout phases (checked by the server's sweep). */
const WAIT_HEAD = 0; // a request not started or its head incomplete: headersMs
const WAIT_BODY = 1; // head read, body incomplete: requestMs
const IDLE = 2; // between requests: keepAliveMs
const BUSY = 3; // answering (or the client not reading answers): idleMs
const LINGER = 4; // closing after an error: lingerMs
const CLOSED = 5;

/** Output bytes queued in the socket above which reading stops until they drain. */
const HIGH_WATER = 64 * 1024;

interface Slot {
  reply: LeanReply | undefined;
  /** The answer to a HEAD: no content. */
  readonly headOnly: boolean;
  /** What the request asked for; the answer closes anyway if the server or the client is closing by then. */
  readonly persistence: Persistence;
}

/**
 * One client connection of the lean server: parse, answer in order (pipelining), keep alive or close,
 * and cut off clients that stall. Its timers are fields the server's sweep reads: no timer per
 * connection or per request.
 */
export class LeanConnection {
  readonly #socket: Socket;
  readonly #ctx: LeanContext;
  readonly #parser: RequestParser;
  #phase = WAIT_HEAD;
  /** The sweep tick at which the current phase started. */
  #since: number;
  #claimed = false;
  #route: LeanRoute | undefined;
  #decided: LeanReply | undefined;
  /** Answers not yet written, in request order: only when one is still being computed. */
  readonly #queue: Slot[] = [];
  #drainListening = false;
  #closeAfter = false;
  #paused = false;
  #handOffPending = false;
  #peerEnded = false;
  #served = 0;
  #lingered = 0;

  readonly #onData = (chunk: Buffer) => this.#data(chunk);
  readonly #onEnd = () => this.#end();
  readonly #onError = () => this.#destroy();
  readonly #onDrain = () => this.#resume();

  /**
   * Three listeners, no 'close' one: every way the socket ends goes through #destroy (ours, or an
   * 'error', which Node emits for a reset), and 'drain' is listened to only while output backs up.
   */
  constructor(socket: Socket, ctx: LeanContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.#parser = new RequestParser(ctx.limits);
    this.#since = ctx.tick;
    ctx.connections.add(this);
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('error', this.#onError);
  }

  #data(chunk: Buffer): void {
    if (this.#phase === LINGER) {
      this.#lingered += chunk.length;
      if (this.#lingered > this.#ctx.maxLingerBytes) this.#destroy();
      return;
    }
    if (this.#closeAfter) return; // bytes after a last request are not read as requests
    this.#parser.push(chunk);
    this.#drive();
  }

  /** Parses and answers as far as the input (and the queue) allows. */
  #drive(): void {
    const socket = this.#socket;
    const parser = this.#parser;
    let corked = false;
    for (;;) {
      if (parser.atBoundary) {
        if (this.#closeAfter || this.#phase === CLOSED) break;
        if (parser.pendingLength === 0) {
          if (this.#queue.length === 0 && this.#phase !== IDLE) this.#setPhase(IDLE);
          break;
        }
        if (this.#queue.length >= this.#ctx.maxPipeline || socket.writableLength > HIGH_WATER) {
          this.#pause();
          break;
        }
        if (this.#phase === IDLE) this.#setPhase(WAIT_HEAD);
        if (!this.#claimed) {
          const s = parser.sniff(this.#ctx.prefixes);
          if (s === SNIFF_MORE) break;
          if (s === SNIFF_OTHER && this.#ctx.fallback !== undefined) {
            if (this.#queue.length > 0) {
              this.#handOffPending = true;
              this.#pause();
            } else {
              this.#handOff();
            }
            break;
          }
          this.#claimed = true;
        }
      }
      let step: number;
      try {
        step = parser.next();
        if (step === HEAD) {
          this.#head(parser.head!);
          continue;
        }
      } catch (err) {
        this.#fail(err);
        break;
      }
      if (step === NEED_MORE) {
        if (parser.inBody && this.#phase === WAIT_HEAD) this.#phase = WAIT_BODY; // requestMs runs from the same start
        break;
      }
      // REQUEST: answer it.
      if (!corked && parser.pendingLength > 0) {
        // Pipelined requests in one read: their answers leave in one write.
        socket.cork();
        corked = true;
      }
      this.#claimed = false;
      this.#request(parser.head!, parser.body);
      // The next request's clock starts with its first byte: now if it is already here (pipelined).
      if (this.#phase === WAIT_HEAD || this.#phase === WAIT_BODY) {
        if (parser.pendingLength > 0) this.#setPhase(WAIT_HEAD);
        else this.#phase = WAIT_HEAD;
      }
    }
    if (corked) socket.uncork();
  }

  /** The head is complete: decide now, or read the body for the route. */
  #head(head: RequestHead): void {
    let decided: LeanReply | LeanRoute;
    try {
      decided = this.#ctx.endpoint.route(head);
    } catch (err) {
      this.#ctx.onError(err);
      decided = problemReply(500, 'ERR_INTERNAL', 'internal error');
    }
    if (!('answer' in decided)) {
      this.#route = undefined;
      this.#decided = decided;
      const length = head.chunked ? Infinity : Math.max(0, head.contentLength);
      if (length > this.#ctx.maxDiscard) {
        // Not worth reading a body nobody wants: answer, close, and drop what still comes.
        this.#finalAnswer(decided);
        return;
      }
      this.#parser.beginBody(this.#ctx.maxDiscard, true);
      return;
    }
    this.#decided = undefined;
    this.#route = decided;
    if (decided.needsBody && head.contentLength === -1 && !head.chunked) {
      throw new LeanHttpError(411, 'ERR_HTTP_LENGTH_REQUIRED', 'send the body with Content-Length (or chunked)');
    }
    this.#parser.beginBody(decided.maxBody, false);
    // RFC 9110 10.1.1: a client waiting for 100 (Continue) gets it once the head is accepted.
    if (head.expectContinue && (head.chunked || head.contentLength > this.#parser.pendingLength)) this.#socket.write(CONTINUE_100);
  }

  #request(head: RequestHead, body: Uint8Array): void {
    this.#served++;
    const persistence: Persistence = head.keepAlive && !this.#ctx.closing && !this.#peerEnded ? KEEP_ALIVE : CLOSE;
    // After a last request, nothing more is read as a request (RFC 9112 9.6).
    if (persistence === CLOSE) this.#closeAfter = true;
    const headOnly = head.method === 'HEAD';
    let answer: LeanReply | Promise<LeanReply>;
    if (this.#decided !== undefined) {
      answer = this.#decided;
    } else {
      try {
        answer = this.#route!.answer(head, body);
      } catch (err) {
        this.#ctx.onError(err);
        answer = problemReply(500, 'ERR_INTERNAL', 'internal error');
      }
    }
    if (!(answer instanceof Promise)) {
      if (this.#queue.length === 0) this.#write(answer, persistence, headOnly);
      else this.#queue.push({ reply: answer, persistence, headOnly });
      return;
    }
    const slot: Slot = { reply: undefined, persistence, headOnly };
    this.#queue.push(slot);
    this.#setPhase(BUSY);
    answer
      .then(
        (reply) => (slot.reply = reply),
        (err: unknown) => {
          this.#ctx.onError(err);
          slot.reply = problemReply(500, 'ERR_INTERNAL', 'internal error');
        },
      )
      .finally(() => this.#flush());
  }

  /** Writes the answers at the head of the queue that are ready, in order. */
  #flush(): void {
    if (this.#phase === CLOSED) return;
    while (this.#queue.length > 0 && this.#queue[0]!.reply !== undefined) {
      const slot = this.#queue.shift()!;
      this.#write(slot.reply!, slot.persistence, slot.headOnly);
      if (this.#phase === CLOSED) return;
    }
    if (this.#queue.length > 0) return;
    if (this.#handOffPending) {
      this.#handOff();
      return;
    }
    if (this.#paused) this.#resume();
    else if (this.#phase === BUSY) this.#setPhase(this.#parser.atBoundary && this.#parser.pendingLength === 0 ? IDLE : WAIT_HEAD);
  }

  /** Encodes and writes one answer; it says the connection closes if it does (the server closing included). */
  #write(reply: LeanReply, asked: Persistence, headOnly: boolean): void {
    const socket = this.#socket;
    const persistence = asked === KEEP_ALIVE && !this.#ctx.closing && !this.#peerEnded ? KEEP_ALIVE : CLOSE;
    socket.write(this.#ctx.encoder.encode(reply, persistence, Date.now(), headOnly));
    if (persistence === CLOSE) {
      this.#closeAfter = true;
      this.#closeGracefully();
      return;
    }
    // Kept alive: Nagle would hold a pipelined answer back until the previous one is acknowledged.
    if (this.#served === 1) socket.setNoDelay(true);
  }

  /**
   * Closes after the last answer. When nothing more from the client is waiting, the socket is closed
   * at once (the kernel still delivers the answer, then FIN): no half-close round trip. Otherwise
   * closing would reset the connection and could destroy the answer before the client reads it, so the
   * server half-closes and lingers, dropping what comes (as nginx's lingering_close does).
   */
  #closeGracefully(): void {
    if (this.#parser.atBoundary && this.#parser.pendingLength === 0 && this.#socket.writableLength === 0) {
      this.#destroy();
      return;
    }
    this.#linger();
  }

  #linger(): void {
    this.#setPhase(LINGER);
    this.#lingered = 0;
    this.#socket.end();
    if (this.#peerEnded) this.#destroy();
    else if (this.#paused) {
      this.#paused = false;
      this.#socket.resume();
    }
  }

  /** An error answer decided before the body was read (or instead of it): answer, then linger. */
  #finalAnswer(reply: LeanReply): void {
    this.#closeAfter = true;
    if (this.#queue.length === 0) {
      this.#socket.write(this.#ctx.encoder.encode(reply, CLOSE));
      this.#linger();
    } else {
      this.#queue.push({ reply, persistence: CLOSE, headOnly: false });
      this.#pause();
    }
  }

  /** A request that cannot be answered as asked: the error answer, then close. */
  #fail(err: unknown): void {
    if (!(err instanceof LeanHttpError)) {
      this.#ctx.onError(err);
      this.#finalAnswer(problemReply(500, 'ERR_INTERNAL', 'internal error'));
      return;
    }
    this.#finalAnswer(problemReply(err.status, err.code, err.message));
  }

  #end(): void {
    this.#peerEnded = true;
    if (this.#phase === LINGER || this.#phase === CLOSED) {
      this.#destroy();
      return;
    }
    // Whatever is half received can never be completed; answers in flight are still written.
    this.#closeAfter = true;
    if (this.#queue.length === 0) this.#destroy();
  }

  /** The end of the connection, whoever ends it. */
  #destroy(): void {
    this.#phase = CLOSED;
    if (this.#queue.length > 0) this.#queue.length = 0;
    this.#ctx.connections.delete(this);
    this.#socket.destroy();
  }

  #pause(): void {
    if (this.#paused) return;
    this.#paused = true;
    this.#socket.pause();
    this.#setPhase(BUSY);
    if (!this.#drainListening) {
      this.#drainListening = true;
      this.#socket.on('drain', this.#onDrain);
    }
  }

  #resume(): void {
    if (!this.#paused || this.#phase === CLOSED) return;
    if (this.#queue.length >= this.#ctx.maxPipeline || this.#socket.writableLength > HIGH_WATER) return;
    this.#paused = false;
    this.#setPhase(WAIT_HEAD);
    this.#socket.resume();
    this.#drive();
  }

  /** Gives the connection, with the bytes not consumed, to the general server (for good). */
  #handOff(): void {
    const socket = this.#socket;
    this.#phase = CLOSED;
    this.#ctx.connections.delete(this);
    socket.pause();
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.off('error', this.#onError);
    if (this.#drainListening) socket.off('drain', this.#onDrain);
    const rest = this.#parser.pending();
    if (rest.length > 0) socket.unshift(rest);
    this.#ctx.fallback!(socket);
    socket.resume();
  }

  #setPhase(phase: number): void {
    this.#phase = phase;
    this.#since = this.#ctx.tick;
  }

  /** Called by the server's sweep, after it advanced the tick: cuts off what has waited too long. */
  check(): void {
    const t = this.#ctx.timeouts;
    // At least this long has passed since the phase started (it started somewhere in its tick).
    const waited = (this.#ctx.tick - this.#since - 1) * this.#ctx.checkIntervalMs;
    switch (this.#phase) {
      case WAIT_HEAD:
        if (this.#ctx.closing && this.#parser.atBoundary && this.#parser.pendingLength === 0 && this.#queue.length === 0) this.#destroy();
        else if (waited >= t.headersMs) this.#timeout();
        break;
      case WAIT_BODY:
        if (waited >= t.requestMs) this.#timeout();
        break;
      case IDLE:
        if (waited >= t.keepAliveMs || this.#ctx.closing) this.#destroy();
        break;
      case BUSY:
        if (waited >= t.idleMs) this.#destroy();
        break;
      case LINGER:
        if (waited >= t.lingerMs) this.#destroy();
        break;
    }
  }

  /** Closes the connection if it is between requests (the server is closing). */
  closeIfIdle(): void {
    if ((this.#phase === IDLE || this.#phase === WAIT_HEAD) && this.#parser.atBoundary && this.#parser.pendingLength === 0 && this.#queue.length === 0) this.#destroy();
  }

  #timeout(): void {
    this.#closeAfter = true;
    this.#socket.write(this.#ctx.encoder.encode(problemReply(408, 'ERR_HTTP_TIMEOUT', 'the request did not arrive in time'), CLOSE));
    this.#destroy();
  }
}
