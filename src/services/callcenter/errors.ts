import { JpkiMobileError } from '../../errors/index.js';

/** Refusals of the call centre (docs/services/callcenter.md); listed in docs/errors.md. */
export type CallCentreErrorCode = 'ERR_CALLCENTER_REQUEST' | 'ERR_CALLCENTER_UNKNOWN_PERSON' | 'ERR_CALLCENTER_AMBIGUOUS' | 'ERR_CALLCENTER_NOTHING_TO_DO';

export class CallCentreError extends JpkiMobileError<CallCentreErrorCode> {}
