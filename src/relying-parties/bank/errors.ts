import { JpkiMobileError } from '../../errors/index.js';

/** The bank's own refusals (the SDK's keep their codes); statuses in `http.ts`, meanings in docs/errors.md. */
export const BANK_ERROR_CODES = ['ERR_BANK_OPENING_UNKNOWN', 'ERR_BANK_OPENING_EXPIRED', 'ERR_BANK_OPENING_USED', 'ERR_BANK_ACCOUNT_UNKNOWN'] as const;

export type BankErrorCode = (typeof BANK_ERROR_CODES)[number];

export class BankError extends JpkiMobileError<BankErrorCode> {}
