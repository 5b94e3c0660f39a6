import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Bank, HttpJpkiDirectory, Kiosk, Portal, type KioskReaderProvider, type TrustAnchors } from '../../relying-parties/index.js';
import { readSecret, secretInEnvironment, writeSecret, type HomeConfig } from '../../services/home/index.js';
import { createOperator } from '../../services/jpki/operators.js';
import { listGenerations } from '../../services/jpki/repository.js';
import { StoreError, type Database } from '../../store/index.js';

/** The operators the portal and the kiosk call the certification service as (role `relying-party`). */
export const PORTAL_OPERATOR = 'portal';
export const KIOSK_ID = 'kiosk-1';
export const KIOSK_KEY_SECRET = 'kiosk-signing-key.pem';

/** Every CA generation of the home's certification service: what its relying parties trust. */
export async function trustAnchorsOf(db: Database): Promise<TrustAnchors> {
  const generations = await listGenerations(db);
  return {
    sign: generations.filter((g) => g.hierarchy === 'sign').map((g) => g.certificate),
    auth: generations.filter((g) => g.hierarchy === 'auth').map((g) => g.certificate),
  };
}

/**
 * The bearer token of a relying-party operator: `secrets/operators/ID.token`, created (operator and
 * file, in one transaction) on first use. An operator whose token file was lost cannot be recovered:
 * its token exists only as a hash; that is a configuration fault to fix by hand.
 */
export async function relyingPartyToken(home: string, db: Database, id: string): Promise<string> {
  const file = join(home, 'secrets', 'operators', `${id}.token`);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  try {
    return await createOperator(db, id, 'relying-party', new Date(), (token) => void writeSecret(home, join('operators', `${id}.token`), token));
  } catch (err) {
    if (err instanceof StoreError && err.code === 'ERR_STORE_UNIQUE') {
      throw new StoreError('ERR_STORE_UNIQUE', `the operator '${id}' exists but ${file} is gone: restore the file, or disable the operator and remove it`, { cause: err });
    }
    throw err;
  }
}

/** The kiosk's Ed25519 signing key: `secrets/kiosk-signing-key.pem` (or $JPKI_KIOSK_SIGNING_KEY), made on first use. */
export function kioskSigningKey(home: string): KeyObject {
  const path = join(home, 'secrets', KIOSK_KEY_SECRET);
  if (!secretInEnvironment('JPKI_KIOSK_SIGNING_KEY') && !existsSync(path)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    writeSecret(home, KIOSK_KEY_SECRET, (privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).trim());
  }
  return createPrivateKey(readSecret(home, KIOSK_KEY_SECRET, 'JPKI_KIOSK_SIGNING_KEY', process.env, { multiline: true }));
}

export interface RelyingParties {
  readonly portal: Portal;
  readonly bank: Bank;
  readonly kiosk: Kiosk;
}

/**
 * The portal, the bank and the kiosk of a home, over its database. `serviceUrl` is where the
 * certification service answers (read at each request: the system knows its port once it listens).
 * Certificate status comes from the OCSP responder each certificate names (config.publicBaseUrl). These
 * relying parties sit beside the certification service and show its decisions at once: an OCSP answer
 * is reused for at most a second (the SDK's default for a third party is five minutes, bounded by the
 * answer's nextUpdate), so a phone suspended by the call centre cannot log in a moment later.
 */
const STATUS_MAX_AGE_MS = 1_000;

export async function openRelyingParties(
  home: string,
  config: HomeConfig,
  db: Database,
  serviceUrl: () => string,
  options: { kioskReaders?: readonly KioskReaderProvider[] } = {},
): Promise<RelyingParties> {
  const trustAnchors = await trustAnchorsOf(db);
  const mode = config.jpki.policyMode;
  const status = { ocsp: { maxAgeMs: STATUS_MAX_AGE_MS } };
  const base = config.publicBaseUrl.replace(/\/+$/, '');
  const directory = (id: string) => relyingPartyToken(home, db, id).then((token) => new HttpJpkiDirectory({ baseUrl: serviceUrl, token }));
  const portal = new Portal({ db, trustAnchors, rpId: `${base}/portal`, directory: await directory(PORTAL_OPERATOR), mode, status });
  const bank = new Bank({ db, trustAnchors, mode, status });
  const kiosk = await Kiosk.open({ db, trustAnchors, directory: await directory(KIOSK_ID), signingKey: kioskSigningKey(home), kioskId: KIOSK_ID, rpId: `${base}/kiosk/${KIOSK_ID}`, mode, status,
    ...(options.kioskReaders ? { readerProviders: options.kioskReaders } : {}),
  });
  return { portal, bank, kiosk };
}
