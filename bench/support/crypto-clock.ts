/**
 * A clock on the two costly node:crypto calls of an issuance, for the benchmarks: `generateKeyPair`
 * (the RSA-2048 keys the JPKI applet makes inside the element) and `scrypt` (every PIN and password
 * record written or checked, on the card and in the applet). The real functions are wrapped, not
 * replaced: each call goes through to node:crypto with its own arguments and callback, and the time from
 * the call to its callback is added up here.
 *
 * The project's modules import these as named imports (`import { scrypt } from 'node:crypto'`) and
 * promisify `generateKeyPair` when they load, so this module must be imported before any of them: it
 * swaps the functions on the `node:crypto` object and `syncBuiltinESMExports()` carries the change to
 * the named exports. The promisified form keeps node's own shape (`{ publicKey, privateKey }`).
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

export interface CallClock {
  /** Calls finished since the last `reset`. */
  calls: number;
  /** Sum of their durations (call to callback), in milliseconds. */
  ms: number;
}

export const keyGeneration: CallClock = { calls: 0, ms: 0 };
export const scryptClock: CallClock = { calls: 0, ms: 0 };

export function resetClocks(): void {
  keyGeneration.calls = keyGeneration.ms = 0;
  scryptClock.calls = scryptClock.ms = 0;
}

type Callback = (...results: unknown[]) => void;

/** Wraps an asynchronous node:crypto function whose last argument is its callback. */
function clocked<F extends (...args: never[]) => void>(original: F, clock: CallClock): F {
  const wrapped = function (this: unknown, ...args: unknown[]) {
    const callback = args.pop() as Callback;
    const t0 = performance.now();
    return (original as unknown as (...a: unknown[]) => void).call(this, ...args, (...results: unknown[]) => {
      clock.calls++;
      clock.ms += performance.now() - t0;
      callback(...results);
    });
  };
  return wrapped as unknown as F;
}

const generateKeyPair = clocked(crypto.generateKeyPair, keyGeneration);
Object.defineProperty(generateKeyPair, promisify.custom, {
  value: (type: string, options: object) =>
    new Promise((resolve, reject) => {
      (generateKeyPair as unknown as (t: string, o: object, cb: (err: Error | null, publicKey: unknown, privateKey: unknown) => void) => void)(type, options, (err, publicKey, privateKey) =>
        err ? reject(err) : resolve({ publicKey, privateKey }),
      );
    }),
});
crypto.generateKeyPair = generateKeyPair;
crypto.scrypt = clocked(crypto.scrypt, scryptClock);
syncBuiltinESMExports();
