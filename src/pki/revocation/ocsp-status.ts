import { RevocationError } from './errors.js';

/*
 * RFC 6960 4.2.1:
 *
 *   OCSPResponseStatus ::= ENUMERATED {
 *       successful            (0),  -- Response has valid confirmations
 *       malformedRequest      (1),  -- Illegal confirmation request
 *       internalError         (2),  -- Internal error in issuer
 *       tryLater              (3),  -- Try again later
 *                                   -- (4) is not used
 *       sigRequired           (5),  -- Must sign the request
 *       unauthorized          (6)   -- Request unauthorized
 *   }
 */
export type OcspResponseStatus = 'successful' | 'malformedRequest' | 'internalError' | 'tryLater' | 'sigRequired' | 'unauthorized';

/** The statuses of an error response: "If the value of responseStatus is one of the error conditions, the responseBytes field is not set." */
export type OcspErrorStatus = Exclude<OcspResponseStatus, 'successful'>;

export const OCSP_RESPONSE_STATUS: Readonly<Record<OcspResponseStatus, number>> = Object.freeze({
  successful: 0,
  malformedRequest: 1,
  internalError: 2,
  tryLater: 3,
  sigRequired: 5,
  unauthorized: 6,
});

const BY_VALUE: readonly (OcspResponseStatus | undefined)[] = ['successful', 'malformedRequest', 'internalError', 'tryLater', undefined, 'sigRequired', 'unauthorized'];

/** The status with this ENUMERATED value, or undefined (4 and anything above 6). */
export function ocspResponseStatusName(value: number): OcspResponseStatus | undefined {
  return Number.isInteger(value) && value >= 0 ? BY_VALUE[value] : undefined;
}

/**
 * An unsigned error response: `OCSPResponse ::= SEQUENCE { responseStatus }` without responseBytes,
 * e.g. malformedRequest is `30 03 0A 01 01`. Every such response is five fixed bytes.
 */
export function ocspErrorResponse(status: OcspErrorStatus): Uint8Array {
  const value = Object.hasOwn(OCSP_RESPONSE_STATUS, status) ? OCSP_RESPONSE_STATUS[status] : 0;
  if (value === 0) throw new RevocationError('ERR_OCSP_RESPONSE_STATUS_INVALID', `${String(status)} is not an OCSP error status`);
  return Uint8Array.of(0x30, 0x03, 0x0a, 0x01, value);
}
