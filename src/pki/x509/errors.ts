import { JpkiMobileError } from '../../errors/index.js';

/**
 * Every way the X.509 side of the CA refuses an input. Building, parsing and validity computation
 * throw `CertificateError`; a certificate that does not fit its profile throws `LintError` before
 * anything is signed.
 */
export type CertificateErrorCode =
  | 'ERR_CERT_DER'
  | 'ERR_CERT_PARAMS'
  | 'ERR_CERT_NAME'
  | 'ERR_CERT_VALIDITY'
  | 'ERR_CERT_ADDRESS'
  | 'ERR_CERT_KEY_NOT_RSA'
  | 'ERR_CERT_KEY_SIZE'
  | 'ERR_CERT_KEY_EXPONENT'
  | 'ERR_CERT_SIGNER_MISMATCH'
  | 'ERR_CERT_SIGNATURE'
  | 'ERR_CERT_LINT'
  | 'ERR_BASIC_FOUR_NAME'
  | 'ERR_BASIC_FOUR_ADDRESS'
  | 'ERR_BASIC_FOUR_BIRTH_DATE'
  | 'ERR_BASIC_FOUR_SEX'
  | 'ERR_BASIC_FOUR_SUBSTITUTE_MAP'
  | 'ERR_BASIC_FOUR_FORMAT';

/** A certificate, name, key, date or basic-four value that cannot be built, parsed or computed. */
export class CertificateError extends JpkiMobileError<CertificateErrorCode> {}

/** One broken profile rule: a stable `code` (e.g. `KEY_USAGE_WRONG`) and a human explanation. */
export interface LintIssue {
  readonly code: string;
  readonly message: string;
}

/** The certificate was linted against its profile and refused; nothing was signed. */
export class LintError extends CertificateError {
  readonly issues: readonly LintIssue[];

  constructor(issues: readonly LintIssue[]) {
    super('ERR_CERT_LINT', `certificate refused by its profile: ${issues.map((i) => i.code).join(', ')}`);
    this.issues = issues;
  }
}
