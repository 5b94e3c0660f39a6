import { appendAudit, toDbTimestamp, type Database, type Queryable } from '../../store/index.js';
import { bearerToken } from '../http/bearer.js';
import { PushError } from './errors.js';
import { newSenderToken, secretHash, SENDER_ID_PATTERN, SENDER_TOKEN_PATTERN, type Random } from './identifiers.js';
import { insertSender, senderById, senderByTokenHash } from './repository.js';

/** An authenticated sender (a TSM, or any server that messages apps). */
export interface Sender {
  readonly id: string;
}

/**
 * Creates a sender and returns its bearer token, shown once (`jpki-mobile push sender add NAME` writes it
 * to `secrets/push-senders/NAME.token`); only its SHA-256 is stored, as for JPKI operators.
 */
export async function createSender(db: Database, id: string, now: Date, random: Random): Promise<string> {
  if (!SENDER_ID_PATTERN.test(id)) throw new PushError('ERR_PUSH_REQUEST', 'a sender id is 1-64 of a-z 0-9 . _ - (starting with a letter or digit)');
  const token = newSenderToken(random);
  await db.transaction(async (tx) => {
    if (await senderById(tx, id)) throw new PushError('ERR_PUSH_REQUEST', `a sender named ${id} exists already`);
    await insertSender(tx, { id, tokenHash: secretHash(token), at: toDbTimestamp(now) });
    await appendAudit(tx, { at: now, actor: 'system:push', action: 'push-sender-created', subject: id, payload: { id } });
  });
  return token;
}

/** The sender behind an `Authorization: Bearer` header, or `ERR_PUSH_SENDER_UNAUTHENTICATED`. */
export async function authenticateSender(q: Queryable, authorization: string | undefined): Promise<Sender> {
  const token = bearerToken(authorization);
  if (token === undefined || !SENDER_TOKEN_PATTERN.test(token)) throw new PushError('ERR_PUSH_SENDER_UNAUTHENTICATED', 'a push sender bearer token is required');
  const row = await senderByTokenHash(q, secretHash(token));
  if (!row || row.disabled_at !== null) throw new PushError('ERR_PUSH_SENDER_UNAUTHENTICATED', 'unknown or disabled sender token');
  return { id: row.id };
}
