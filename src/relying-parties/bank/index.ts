// The bank: an account opened with the signature certificate (its basic four information, its status).
export { Bank, TERMS, ACCOUNT_OPENING_TYPE, type BankOptions } from './bank.js';
export { BankError, BANK_ERROR_CODES, type BankErrorCode } from './errors.js';
export { bankRoutes, bankStatusOf, BANK_PREFIX } from './http.js';
