import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../bytes/index.js';
import { CardError, FileCardStore } from '../../card/index.js';
import {
  checkPinFormat,
  defaultCardExpiry,
  EF,
  issueCard,
  parseIdCardState,
  reinitialisePassword,
  reinitialisePin,
  renew,
  revocationTargets,
  summariseCard,
  type CardCertificateRequest,
  type CardCertificates,
  type IdCardState,
  type PinFid,
  type PinSummary,
} from '../../devices/id-card/index.js';
import { hasCode, JpkiMobileError } from '../../errors/index.js';
import { reasonByName } from '../../pki/revocation/index.js';
import { isIsoDate, parseCertificate, type BasicFour } from '../../pki/x509/index.js';
import { resolveHome, secretFromEnv } from '../../services/home/index.js';
import type { JpkiService } from '../../services/jpki/service.js';
import { parse, required } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';
import { openJpki } from '../runtime/jpki-system.js';

export const PIN_ENV = 'JPKI_CARD_PIN';
export const PASSWORD_ENV = 'JPKI_CARD_PASSWORD';

const OFFICE = { kind: 'office', id: 'cli' } as const;

/** No PIN or password to be had: neither its environment variable nor a terminal to ask on. */
export class SecretUnavailableError extends JpkiMobileError<'ERR_CLI_SECRET_UNAVAILABLE'> {}

const USAGE = `Usage: jpki-mobile card issue --out FILE --name NAME --address ADDRESS --birth YYYY-MM-DD --sex 1|2|3
                             [--card-expiry YYYY-MM-DD] [--home DIR]
       jpki-mobile card show FILE
       jpki-mobile card export-certs FILE --out DIR
       jpki-mobile card renew FILE [--name NAME] [--address ADDRESS] [--home DIR]
       jpki-mobile card reset-pin FILE
       jpki-mobile card reset-password FILE
       jpki-mobile card revoke FILE --reason NAME [--home DIR]

The Individual Number Card (マイナンバーカード) and its life at the municipal office. A card is a file
(JSON, owner-only): its JPKI-AP files, keys generated in the card, PIN and password as salted hashes with
their retry counters. Certificates come from the certification service of the home, acting as an office.

issue           issues a card for a person (the basic four information): generates both RSA-2048 key
                pairs in the card, has the service certify them, sets the PIN and the password. The
                card expiry defaults to the 10th birthday after today (the 5th under 18). Refuses to
                overwrite FILE.
show            prints the holder, the certificates (serial, validity) and the tries left of the PIN and
                the password; never a secret
export-certs    writes sign.pem, auth.pem, sign-ca.pem and auth-ca.pem into DIR
renew           new key pairs and certificates for the same person (the service supersedes the old
                ones); --name/--address carry a change of the basic four information
reset-pin       re-initialises the user-authentication PIN after the holder's identity is checked:
                a new value, 3 tries again, blocked or not
reset-password  the same for the signature password (5 tries)
revoke          asks the service to revoke the card's certificates with an RFC 5280 reason name:
                affiliationChanged (a basic-four change such as a move) revokes the signature
                certificate only; keyCompromise, cessationOfOperation, superseded, unspecified revoke both

'jpki-mobile card attach CARD' puts a card into vsmartcard's virtual reader (see its --help).

Secrets never come from flags: the PIN (4 digits) from $${PIN_ENV}, the password (6 to 16 of A-Z
and 0-9) from $${PASSWORD_ENV}, or each from the file its _FILE variable names ($${PIN_ENV}_FILE,
$${PASSWORD_ENV}_FILE: the first line; readable by its owner only), else they are asked on the
terminal without echo (twice).

Options:
  --out FILE|DIR     the card file to create (issue), the folder to write to (export-certs)
  --name NAME        surname and given name separated by a full-width space (U+3000)
  --address ADDRESS  from the prefecture, no postcode
  --birth DATE       birth date YYYY-MM-DD
  --sex N            1 male, 2 female, 3 unknown
  --card-expiry DATE last day of the card's validity
  --reason NAME      revocation reason (revoke)
  --home DIR         the system's home folder (default: $JPKI_MOBILE_HOME, else ./.jpki-mobile)
`;

function pem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(question);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003' || ch === '\u0004') {
          finish();
          reject(new UsageError('cancelled'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/**
 * A new PIN or password: from its environment variable, else asked twice on the terminal. Without a
 * terminal and without the variable there is no way to get it: a usage error that says so.
 */
async function newSecret(fid: PinFid): Promise<string> {
  const isPin = fid === EF.AUTH_PIN;
  const env = isPin ? PIN_ENV : PASSWORD_ENV;
  const what = isPin ? 'user-authentication PIN (4 digits)' : 'signature password (6-16 of A-Z 0-9)';
  const fromEnv = secretFromEnv(env);
  if (fromEnv !== undefined) {
    checkPinFormat(fid, fromEnv);
    return fromEnv;
  }
  if (!process.stdin.isTTY) throw new SecretUnavailableError('ERR_CLI_SECRET_UNAVAILABLE', `no ${what}: set $${env} or $${env}_FILE, or run on a terminal to be asked for it`);
  const first = await promptHidden(`new ${what}: `);
  checkPinFormat(fid, first);
  const again = await promptHidden(`again: `);
  if (again !== first) throw new UsageError(`the two ${isPin ? 'PINs' : 'passwords'} differ`);
  return first;
}

/** The service's card issuance as the card's `issueCertificates`, with the CA certificates that issued them. */
function officeIssuer(service: JpkiService) {
  return async (req: CardCertificateRequest): Promise<CardCertificates> => {
    const r = await service.issueCard(OFFICE, req);
    const caOf = (der: Uint8Array, hierarchy: 'sign' | 'auth') => (service.ctx.authority.issuerOf(parseCertificate(der)) ?? service.ctx.authority.active(hierarchy)).certificate;
    return {
      personId: r.personId,
      cardId: r.cardId,
      signCertificate: r.sign.der,
      authCertificate: r.auth.der,
      signCaCertificate: caOf(r.sign.der, 'sign'),
      authCaCertificate: caOf(r.auth.der, 'auth'),
    };
  };
}

async function withService<T>(home: string, fn: (service: JpkiService) => Promise<T>): Promise<T> {
  const { db, service } = await openJpki(home);
  try {
    return await fn(service);
  } finally {
    service.close();
    await db.close();
  }
}

async function loadCard(file: string): Promise<{ store: FileCardStore<IdCardState>; state: IdCardState }> {
  const store = new FileCardStore<IdCardState>(file);
  return { store, state: parseIdCardState(await store.load()) };
}

function tries(label: string, p: PinSummary): string {
  return `  ${label}: ${p.triesLeft} of ${p.maxTries} tries left${p.blocked ? ', BLOCKED (re-initialise at the office)' : ''}\n`;
}

function serials(state: IdCardState): string {
  const s = summariseCard(state);
  return `  signature certificate: ${s.sign.serial} (until ${s.sign.notAfter.toISOString()})\n  user-authentication certificate: ${s.auth.serial} (until ${s.auth.notAfter.toISOString()})\n`;
}

function fileArg(positionals: string[]): string {
  const [file, ...rest] = positionals;
  if (file === undefined) throw new UsageError('missing the card FILE');
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  return file;
}

function sexOf(value: string): 1 | 2 | 3 {
  if (value !== '1' && value !== '2' && value !== '3') throw new UsageError('--sex must be 1 (male), 2 (female) or 3 (unknown)');
  return Number(value) as 1 | 2 | 3;
}

function dateOf(value: string, flag: string): string {
  if (!isIsoDate(value)) throw new UsageError(`--${flag} must be a date YYYY-MM-DD`);
  return value;
}

async function issue(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    out: { type: 'string' },
    name: { type: 'string' },
    address: { type: 'string' },
    birth: { type: 'string' },
    sex: { type: 'string' },
    'card-expiry': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  const out = required(values.out, 'out');
  const person: BasicFour = {
    name: required(values.name, 'name'),
    address: required(values.address, 'address'),
    birthDate: dateOf(required(values.birth, 'birth'), 'birth'),
    sex: sexOf(required(values.sex, 'sex')),
  };
  const cardExpiry = values['card-expiry'] !== undefined ? dateOf(values['card-expiry'], 'card-expiry') : defaultCardExpiry(person.birthDate, new Date());
  // Checked before anything is asked or issued; create() checks again, atomically.
  if (existsSync(out)) throw new CardError('ERR_CARD_STATE_EXISTS', `${out} exists already`);
  const pin = await newSecret(EF.AUTH_PIN);
  const password = await newSecret(EF.SIGN_PASSWORD);
  const state = await withService(resolveHome(values.home), (service) => issueCard({ person, cardExpiry, pin, password }, officeIssuer(service)));
  await new FileCardStore<IdCardState>(out).create(state);
  io.out(`issued card ${out}\n  holder: ${state.holder.person.name}, person ${state.holder.personId}, card ${state.holder.cardId}\n  card expiry: ${cardExpiry}\n${serials(state)}`);
  return 0;
}

async function show(args: string[], io: Io): Promise<number> {
  const { positionals } = parse(args, {}, true);
  const file = fileArg(positionals);
  const { state } = await loadCard(file);
  const s = summariseCard(state);
  const h = s.holder;
  const cert = (label: string, c: typeof s.sign) =>
    `  ${label}: serial ${c.serial}\n    subject: ${c.subject}\n    issuer: ${c.issuer}\n    valid: ${c.notBefore.toISOString()} .. ${c.notAfter.toISOString()}\n`;
  io.out(
    `card ${file}\n` +
      `  holder: ${h.person.name}\n  address: ${h.person.address}\n  birth: ${h.person.birthDate}  sex: ${h.person.sex}\n` +
      `  person: ${h.personId}  card: ${h.cardId}\n  card expiry: ${h.cardExpiry}  issued: ${h.issuedAt}${h.renewedAt ? `  renewed: ${h.renewedAt}` : ''}\n` +
      `  ATR: ${s.atr}\n` +
      cert('signature certificate (EF 0001)', s.sign) +
      cert('user-authentication certificate (EF 000A)', s.auth) +
      tries('PIN (EF 0018)', s.pin) +
      tries('password (EF 001B)', s.password),
  );
  return 0;
}

async function exportCerts(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } }, true);
  const file = fileArg(positionals);
  const out = required(values.out, 'out');
  const { state } = await loadCard(file);
  mkdirSync(out, { recursive: true });
  const files = state.jpki.files;
  for (const [name, fid] of [['sign.pem', EF.SIGN_CERT], ['auth.pem', EF.AUTH_CERT], ['sign-ca.pem', EF.SIGN_CA_CERT], ['auth-ca.pem', EF.AUTH_CA_CERT]] as const) {
    const path = join(out, name);
    writeFileSync(path, pem(fromHex(files[fid])));
    io.out(`${path}\n`);
  }
  return 0;
}

async function renewCard(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { name: { type: 'string' }, address: { type: 'string' } }, true);
  const file = fileArg(positionals);
  const { store, state } = await loadCard(file);
  const person = { ...state.holder.person, ...(values.name ? { name: values.name } : {}), ...(values.address ? { address: values.address } : {}) };
  // A changed name or address changes the substitute-character maps with it: the service recomputes them.
  const changed = values.name !== undefined || values.address !== undefined;
  const next = await withService(resolveHome(values.home), (service) =>
    renew(state, officeIssuer(service), changed ? { person: { name: person.name, address: person.address, birthDate: person.birthDate, sex: person.sex } } : {}),
  );
  await store.save(next);
  io.out(`renewed card ${file} (the previous certificates are superseded)\n${serials(next)}`);
  return 0;
}

async function resetSecret(args: string[], io: Io, fid: PinFid): Promise<number> {
  const { positionals } = parse(args, {}, true);
  const file = fileArg(positionals);
  const { store, state } = await loadCard(file);
  const value = await newSecret(fid);
  const next = fid === EF.AUTH_PIN ? await reinitialisePin(state, value) : await reinitialisePassword(state, value);
  await store.save(next);
  const record = next.jpki.files[fid];
  io.out(`${fid === EF.AUTH_PIN ? 'PIN' : 'password'} of ${file} re-initialised: ${record.triesLeft} tries\n`);
  return 0;
}

async function revoke(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { reason: { type: 'string' } }, true);
  const file = fileArg(positionals);
  const name = required(values.reason, 'reason');
  let code: number;
  try {
    code = reasonByName(name).code;
  } catch {
    throw new UsageError(`unknown reason '${name}'`);
  }
  const { state } = await loadCard(file);
  const targets = revocationTargets(state, code);
  await withService(resolveHome(values.home), async (service) => {
    for (const [label, serial] of [['signature', targets.sign], ['user-authentication', targets.auth]] as const) {
      if (serial === undefined) {
        io.out(`${label} certificate kept (a basic-four change leaves it valid)\n`);
        continue;
      }
      try {
        const changed = await service.revoke(OFFICE, serial, code);
        io.out(`${label} certificate ${serial} revoked (${name})${changed.length > 1 ? `; with it: ${changed.slice(1).join(' ')}` : ''}\n`);
      } catch (err) {
        if (!hasCode(err, 'ERR_JPKI_ALREADY_REVOKED')) throw err;
        io.out(`${label} certificate ${serial} was revoked already\n`);
      }
    }
  });
  return 0;
}

export const cardCommand: CliCommand = {
  name: 'card',
  summary: 'the Individual Number Card: issue, show, export-certs, renew, reset-pin/password, revoke',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'issue':
        return issue(rest, io);
      case 'show':
        return show(rest, io);
      case 'export-certs':
        return exportCerts(rest, io);
      case 'renew':
        return renewCard(rest, io);
      case 'reset-pin':
        return resetSecret(rest, io, EF.AUTH_PIN);
      case 'reset-password':
        return resetSecret(rest, io, EF.SIGN_PASSWORD);
      case 'revoke':
        return revoke(rest, io);
      default:
        throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`);
    }
  },
};
