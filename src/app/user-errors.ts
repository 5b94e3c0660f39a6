import { JpkiMobileError } from '../errors/index.js';
import { RelayRefusal } from '../services/tsm/index.js';
import { JpkiApError } from '../transports/jpki-ap/index.js';
import { AppError } from './errors.js';

/** Which secret a JPKI-AP refusal is about, to word the message. */
export type SecretContext = 'pin' | 'password' | 'card-password';

function tries(n: number): string {
  return `${n} ${n === 1 ? 'try' : 'tries'} left`;
}

/**
 * Turns what went wrong below the app into what the user reads (style rule 8: translate at the edge).
 * Anything already an `AppError` passes through; an unknown failure is wrapped, never swallowed.
 */
export function toUserError(err: unknown, context: { secret?: SecretContext; doing: string }): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof JpkiApError) {
    const which = context.secret ?? 'pin';
    if (err.code === 'ERR_JPKI_AP_PIN_INCORRECT') {
      const t = err.triesLeft ?? 0;
      if (which === 'card-password') return new AppError('ERR_APP_CARD_PASSWORD_WRONG', `The card's signature password is wrong; ${tries(t)}.`, { cause: err, triesLeft: t });
      return new AppError('ERR_APP_SECRET_WRONG', `The ${which === 'pin' ? 'PIN' : 'signature password'} is wrong; ${tries(t)}.${t === 0 ? ' It is now blocked: re-initialise it with your card.' : ''}`, { cause: err, triesLeft: t });
    }
    if (err.code === 'ERR_JPKI_AP_PIN_BLOCKED') {
      if (which === 'card-password') return new AppError('ERR_APP_CARD_PASSWORD_BLOCKED', "The card's signature password is blocked: have it reset at your municipal office.", { cause: err, triesLeft: 0 });
      return new AppError('ERR_APP_SECRET_BLOCKED', `The ${which === 'pin' ? 'PIN' : 'signature password'} is blocked: re-initialise it with your card.`, { cause: err, triesLeft: 0 });
    }
    if (err.code === 'ERR_JPKI_AP_PIN_FORMAT') return new AppError('ERR_APP_SECRET_FORMAT', 'The PIN is 4 digits; the signature password is 6 to 16 capital letters and digits.', { cause: err });
    return new AppError('ERR_APP_CARD_UNREADABLE', 'The card could not be read: hold it still against the phone and try again.', { cause: err });
  }
  if (err instanceof RelayRefusal) {
    switch (err.problem) {
      case 'ERR_TSM_UNKNOWN_ELEMENT':
      case 'ERR_TSM_DEVELOPMENT_ELEMENT':
      case 'ERR_TSM_CPLC':
        return new AppError('ERR_APP_SE_UNSUPPORTED', "This phone's secure element is not supported.", { cause: err });
      case 'ERR_TSM_APP_NOT_ALLOWED':
        return new AppError('ERR_APP_ACCESS_DENIED', 'This app is not the official JPKI app: install it from the official store.', { cause: err });
      case 'ERR_TSM_CARD_HOLDER_MISMATCH':
        return new AppError('ERR_APP_CARD_NOT_HOLDER', "This card is not the card of the person whose certificates are on this phone: hold your own Individual Number Card to the phone.", { cause: err });
      case 'ERR_TSM_NO_CERTIFICATES':
        return new AppError('ERR_APP_NOT_ISSUED', 'The service knows no certificate on this phone: issue them with your card first.', { cause: err });
      case 'ERR_TSM_NOT_PREPARED':
        return new AppError('ERR_APP_NOT_PREPARED', 'The phone is not prepared yet: run the preparation first.', { cause: err });
      case 'ERR_TSM_HOLDER_SIGNATURE':
        return new AppError('ERR_APP_REVOCATION_REFUSED', `The service did not accept the revocation (${err.message}): if the certificates were revoked already, check the app's status; otherwise call the call centre.`, { cause: err });
      case 'ERR_TSM_CA_REFUSED':
        return new AppError('ERR_APP_ISSUANCE_REFUSED', `The certification service refused the application (${err.message}): check your card at the municipal office.`, { cause: err });
      default:
        return new AppError('ERR_APP_SERVER', `The service refused ${context.doing} (${err.problem}): try again later.`, { cause: err });
    }
  }
  if (err instanceof JpkiMobileError) {
    const code = err.code as string;
    if (code === 'ERR_PHONE_OFFLINE' || code === 'ERR_TSM_RELAY_NETWORK' || code.startsWith('ERR_PUSH_CLIENT_NETWORK') || code === 'ERR_PUSH_CLIENT_TIMEOUT') {
      return new AppError('ERR_APP_OFFLINE', 'No network: connect and try again.', { cause: err });
    }
    if (code === 'ERR_OMAPI_ACCESS_DENIED' || code === 'ERR_OMAPI_APDU_DENIED' || code === 'ERR_OMAPI_ACCESS_RULES_UNAVAILABLE') {
      return new AppError('ERR_APP_ACCESS_DENIED', 'This app may not use the JPKI applet on this phone: install the official JPKI app, or prepare the phone again.', { cause: err });
    }
    if (code === 'ERR_OMAPI_SE_NOT_PRESENT' || code === 'ERR_OMAPI_ACCESS_RULES_BROKEN') {
      return new AppError('ERR_APP_SE_UNSUPPORTED', "This phone's secure element is not supported.", { cause: err });
    }
    if (code === 'ERR_OMAPI_NO_SUCH_ELEMENT') return new AppError('ERR_APP_NOT_PREPARED', 'The JPKI applet is not on this phone: prepare the phone first.', { cause: err });
  }
  if (err instanceof TypeError && /fetch/i.test(err.message)) return new AppError('ERR_APP_OFFLINE', 'No network: connect and try again.', { cause: err });
  return new AppError('ERR_APP_SERVER', `Something went wrong while ${context.doing}: try again.`, { cause: err });
}
