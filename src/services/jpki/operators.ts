import { createHash, randomBytes } from 'node:crypto';
import { bearerToken } from '../http/bearer.js';
import type { Queryable } from '../../store/index.js';
import { appendAudit, type Database } from '../../store/index.js';
import { OPERATOR_ROLES, type Actor, type OperatorRole } from './actors.js';
import { JpkiServiceError } from './errors.js';
import { insertOperator, operatorByTokenHash } from './repository.js';

/** Tokens are stored only as their SHA-256; the token itself is shown once, to whoever creates it. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Creates an operator and returns its token. `keepToken`, when given, runs inside the transaction once
 * the operator's row is written and before it commits (the CLI writes the token file there): a failure
 * there creates no operator, and a crash after it leaves at most a token file for an operator that does
 * not exist, which the next `operator add` of that id replaces. An existing id never gets its file touched.
 */
export async function createOperator(db: Database, id: string, role: OperatorRole, now: Date, keepToken?: (token: string) => void | Promise<void>): Promise<string> {
  if (!OPERATOR_ROLES.includes(role)) throw new JpkiServiceError('ERR_JPKI_REQUEST', `role must be one of ${OPERATOR_ROLES.join(', ')}`);
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(id)) throw new JpkiServiceError('ERR_JPKI_REQUEST', 'an operator id is 1-64 of a-z 0-9 . _ -');
  const token = `jpki_${role.replace('-', '')}_${randomBytes(24).toString('base64url')}`;
  await db.transaction(async (tx) => {
    await insertOperator(tx, { id, role, tokenHash: tokenHash(token), at: now });
    await appendAudit(tx, { at: now, actor: 'system:operators', action: 'operator-created', subject: id, payload: { id, role } });
    await keepToken?.(token);
  });
  return token;
}

/** The actor behind a bearer token, or `ERR_JPKI_UNAUTHENTICATED`. */
export async function authenticate(q: Queryable, authorization: string | undefined): Promise<Actor> {
  const token = bearerToken(authorization);
  if (token === undefined) throw new JpkiServiceError('ERR_JPKI_UNAUTHENTICATED', 'an operator bearer token is required');
  const op = await operatorByTokenHash(q, tokenHash(token));
  if (!op || op.disabled_at !== null) throw new JpkiServiceError('ERR_JPKI_UNAUTHENTICATED', 'unknown or disabled operator token');
  return { kind: op.role as OperatorRole, id: op.id } as Actor;
}

export function requireRole(actor: Actor, ...roles: Actor['kind'][]): void {
  if (!roles.includes(actor.kind)) throw new JpkiServiceError('ERR_JPKI_FORBIDDEN', `this needs the role ${roles.join(' or ')}`);
}
