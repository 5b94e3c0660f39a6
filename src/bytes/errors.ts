import { JpkiMobileError } from '../errors/index.js';

export type BytesErrorCode = 'ERR_HEX_INVALID' | 'ERR_BYTES_RANGE';

/** Malformed hex text or a value that does not fit the requested byte width. */
export class BytesError extends JpkiMobileError<BytesErrorCode> {}
