import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HomeError, readSecret, secretInEnvironment, writeSecret, type HomeConfig } from '../../services/home/index.js';
import { createOperator } from '../../services/jpki/operators.js';
import { PushSender } from '../../services/push/index.js';
import { createSender } from '../../services/push/senders.js';
import { HttpPhoneCertifier, parseComponentSecret, RelayService, SeiTsm, SpTsm, type PhoneCertifier, type PushPort } from '../../services/tsm/index.js';
import type { Database } from '../../store/index.js';

/** Where the TSMs' secrets come from: a home secret file, or the variable (or VARIABLE_FILE). */
export const SEI_MASTER = { file: 'sei-master.key', env: 'JPKI_SEI_MASTER_KEY' } as const;
export const SP_STORAGE = { file: 'sp-storage.key', env: 'JPKI_SP_STORAGE_KEY' } as const;
export const SP_TOKEN = { file: 'sp-tsm.token', env: 'JPKI_SP_TSM_TOKEN' } as const;
/** The SP-TSM's push sender token (deletion orders wake the app), as `push sender add sp-tsm` would write it. */
export const SP_PUSH = { file: 'push-senders/sp-tsm.token', env: 'JPKI_SP_PUSH_TOKEN' } as const;
/** The push sender the SP-TSM sends as. */
export const SP_PUSH_SENDER = 'sp-tsm';
/** The operator the SP-TSM calls the certification service as. */
export const SP_OPERATOR_ID = 'tsm-sp';

function has(home: string, secret: { file: string; env: string }): boolean {
  return secretInEnvironment(secret.env) || existsSync(join(home, 'secrets', secret.file));
}

/**
 * Creates what the TSMs need in a home, once: the SEI's master secret, the SP's storage secret (32
 * random bytes each, in hex, owner-only files), and the SP-TSM's operator account at the certification
 * service with its token. Secrets already present (files or variables) are left alone. Returns what it made.
 */
export async function ensureTsmSecrets(home: string, db: Database): Promise<string[]> {
  const made: string[] = [];
  for (const s of [SEI_MASTER, SP_STORAGE]) {
    if (!has(home, s)) made.push(writeSecret(home, s.file, randomBytes(32).toString('hex')));
  }
  if (!has(home, SP_TOKEN)) {
    const exists = (await db.query('SELECT 1 FROM operators WHERE id = $1', [SP_OPERATOR_ID])).length > 0;
    if (exists) throw new Error(`operator ${SP_OPERATOR_ID} exists but its token (secrets/${SP_TOKEN.file} or $${SP_TOKEN.env}) is missing`);
    await createOperator(db, SP_OPERATOR_ID, 'sp-tsm', new Date(), (token) => void made.push(writeSecret(home, SP_TOKEN.file, token)));
  }
  if (!has(home, SP_PUSH)) {
    const exists = (await db.query('SELECT 1 FROM push_senders WHERE id = $1', [SP_PUSH_SENDER])).length > 0;
    if (exists) throw new Error(`push sender ${SP_PUSH_SENDER} exists but its token (secrets/${SP_PUSH.file} or $${SP_PUSH.env}) is missing`);
    const token = await createSender(db, SP_PUSH_SENDER, new Date(), (n) => new Uint8Array(randomBytes(n)));
    made.push(writeSecret(home, SP_PUSH.file, token));
  }
  return made;
}

/**
 * The SEI-TSM, the SP-TSM and the relay over a home's database. The SP reaches the certification
 * service over HTTP at `caBaseUrl()` (the running server's own address), so their boundary is a real
 * one even in one process.
 */
export function openTsm(home: string, config: HomeConfig, db: Database, caBaseUrl: () => string): RelayService {
  const masterSecret = parseComponentSecret(readSecret(home, SEI_MASTER.file, SEI_MASTER.env), 'the SEI master secret');
  const storageSecret = parseComponentSecret(readSecret(home, SP_STORAGE.file, SP_STORAGE.env), 'the SP storage secret');
  const token = readSecret(home, SP_TOKEN.file, SP_TOKEN.env);
  let certifier: HttpPhoneCertifier | undefined;
  const http = () => (certifier ??= new HttpPhoneCertifier({ baseUrl: caBaseUrl(), token }));
  const ca: PhoneCertifier = {
    issuePhone: (request) => http().issuePhone(request),
    status: (serial) => http().status(serial),
    holderRevoke: (request, signature) => http().holderRevoke(request, signature),
    revokeElement: (seId) => http().revokeElement(seId),
    authoriseSecretReset: (request) => http().authoriseSecretReset(request),
  };
  const pushToken = readSecret(home, SP_PUSH.file, SP_PUSH.env);
  let sender: PushSender | undefined;
  const push: PushPort = {
    send: (message) => (sender ??= new PushSender({ baseUrl: caBaseUrl(), token: pushToken })).send(message),
    status: (id) => (sender ??= new PushSender({ baseUrl: caBaseUrl(), token: pushToken })).status(id),
  };
  const sei = new SeiTsm({ db, masterSecret, acceptDevelopmentElements: config.tsm?.developmentElements ?? false });
  const ttl = config.tsm?.pushTtlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0 && ttl <= 2_419_200)) throw new HomeError('ERR_HOME_CONFIG', 'tsm.pushTtlSeconds is a whole number of seconds from 0 to 2419200');
  const sp = new SpTsm({ db, storageSecret, ca, push, ...(ttl !== undefined ? { pushTtlSeconds: ttl } : {}) });
  return new RelayService({ db, sei, sp, sessionTtlMs: (config.tsm?.sessionTtlMinutes ?? 10) * 60_000 });
}
