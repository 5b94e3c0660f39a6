export { toHex, fromHex, hex } from './hex.js';
export { concat, bytesEqual, xor, uintBE, readUintBE, slice } from './bytes.js';
export { constantTimeEqual } from './constant-time.js';
export { BytesError, type BytesErrorCode } from './errors.js';
