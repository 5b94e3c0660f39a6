/**
 * The one error shape of the project (after panva/jose): a base class with a stable string `code`
 * that callers narrow on, and `cause` chaining. Each module defines its own subclass and the closed
 * union of its codes; tests assert codes, never messages. Every code is listed in docs/errors.md.
 */
export abstract class JpkiMobileError<C extends string = string> extends Error {
  /** Stable, machine-readable code, e.g. `ERR_TLV_TRUNCATED`. */
  readonly code: C;

  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** True when `err` is a project error carrying `code`. */
export function hasCode(err: unknown, code: string): boolean {
  return err instanceof JpkiMobileError && err.code === code;
}
