import type { MessageStatus, SendRequest, SendResult } from '../messages.js';
import { PushClientError } from './errors.js';
import { call, type PushClientOptions } from './transport.js';

const MESSAGE_ID = /^msg_[A-Za-z0-9_-]{22}$/;

/**
 * The sender's client (a TSM, any server that messages apps): send a message to a registration token,
 * read its status. A dead token is `ERR_PUSH_UNREGISTERED` (drop the token: the app was removed,
 * re-registered, or its device reset), an unknown one `ERR_PUSH_UNKNOWN_TOKEN`.
 */
export class PushSender {
  readonly #options: PushClientOptions;
  readonly #token: string;

  /** `token` is the sender's bearer token (`jpki-mobile push sender add NAME` writes it to secrets/). */
  constructor(options: PushClientOptions & { readonly token: string }) {
    this.#options = options;
    this.#token = options.token;
  }

  send(message: SendRequest, signal?: AbortSignal): Promise<SendResult> {
    return call<SendResult>(this.#options, 'POST', '/push/v1/messages', { bearer: this.#token, body: message, ...(signal ? { signal } : {}) });
  }

  status(id: string, signal?: AbortSignal): Promise<MessageStatus> {
    if (!MESSAGE_ID.test(id)) return Promise.reject(new PushClientError('ERR_REQUEST_FIELD', 'not a message id'));
    return call<MessageStatus>(this.#options, 'GET', `/push/v1/messages/${id}`, { bearer: this.#token, ...(signal ? { signal } : {}) });
  }
}
