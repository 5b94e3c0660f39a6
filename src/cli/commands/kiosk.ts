import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { HttpJpkiDirectory, Kiosk, KioskError, type Residence } from '../../relying-parties/index.js';
import { databaseConfig, loadConfig, resolveHome, secretFromEnv } from '../../services/home/index.js';
import { openDatabase } from '../../store/index.js';
import { parse, required } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';
import { KIOSK_ID, kioskSigningKey, relyingPartyToken, trustAnchorsOf } from '../runtime/relying-parties.js';

export const PIN_ENV = 'JPKI_KIOSK_PIN';

const USAGE = `Usage: jpki-mobile kiosk --reader NAME [--home DIR] [--url URL] [--kiosk ID]

Runs one transaction of the convenience-store kiosk on a PC/SC reader: the Individual Number Card or
the phone (JPKI applet, over NFC) on reader NAME is selected, told apart by its token label
(JPKIAPICCTOKEN2 or JPKIAPGPSETOKEN), asked for the user-authentication PIN, made to sign the kiosk's
challenge; the kiosk verifies it (kind, path, OCSP) and issues a certificate of residence (住民票の写し)
signed by the kiosk (a compact JWS, EdDSA), printed at the end. The resident's data come from the
certification service's records for that certificate.

The PIN is read from $${PIN_ENV} (or the first line of the owner-only file $${PIN_ENV}_FILE names),
else from standard input, one line per attempt (not echoed on a
terminal); never from a flag. A wrong PIN reports the tries left and asks again (with $${PIN_ENV}: exits 1).

It needs the system running ('jpki-mobile start'): OCSP and the person records are asked of it.
Exit status: 0 issued, 1 refused (wrong or blocked PIN, revoked or suspended certificate, ...).

Options:
  --reader NAME      the PC/SC reader (e.g. 'Virtual PCD 00 00'; 'pcsc_scan' lists them)
  --home DIR         the system's home folder (default: $JPKI_MOBILE_HOME, else ./.jpki-mobile)
  --url URL          the certification service (default: the home's publicBaseUrl)
  --kiosk ID         this terminal's id (default ${KIOSK_ID}); its operator token is
                     secrets/operators/ID.token, made on first use
`;

/** PINs one per call: the environment's once, else lines of standard input (muted on a terminal). */
function pinSource(io: Io): { next(): Promise<string | undefined>; close(): void; fromEnv: boolean } {
  const fromEnv = secretFromEnv(PIN_ENV);
  if (fromEnv !== undefined) {
    let used = false;
    return { fromEnv: true, next: async () => (used ? undefined : ((used = true), fromEnv)), close: () => undefined };
  }
  const tty = process.stdin.isTTY === true;
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: tty });
  const lines = rl[Symbol.asyncIterator]();
  return {
    fromEnv: false,
    async next() {
      io.err('PIN: ');
      const r = await lines.next();
      io.err('\n');
      return r.done ? undefined : String(r.value).trim();
    },
    close: () => rl.close(),
  };
}

function printResidence(io: Io, r: Residence): void {
  const d = r.document as { resident: { name: string; address: string; birthDate: string; sex: number }; verification: { holder: string; certificateSerial: string } };
  io.out(
    `certificate of residence ${r.issuanceId} (住民票の写し, sample)\n` +
      `  name:       ${d.resident.name}\n  address:    ${d.resident.address}\n  birth date: ${d.resident.birthDate}\n  sex:        ${d.resident.sex}\n` +
      `  verified:   ${d.verification.holder} user-authentication certificate ${d.verification.certificateSerial}\n` +
      `  signed by:  key ${r.kid}\n${r.jws}\n`,
  );
}

export const kioskCommand: CliCommand = {
  name: 'kiosk',
  summary: 'the convenience-store kiosk: one transaction on a PC/SC reader',
  usage: USAGE,
  async run(args, io) {
    const { values } = parse(args, { reader: { type: 'string' }, url: { type: 'string' }, kiosk: { type: 'string' } });
    const reader = required(values.reader, 'reader');
    const kioskId = values.kiosk ?? KIOSK_ID;
    if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(kioskId)) throw new UsageError('--kiosk is 1-64 of a-z 0-9 . _ -');
    const home = resolveHome(values.home);
    const config = loadConfig(home);
    const url = values.url ?? config.publicBaseUrl;
    const db = await openDatabase(databaseConfig(home, config));
    let kiosk: Kiosk | undefined;
    const pins = pinSource(io);
    try {
      const directory = new HttpJpkiDirectory({ baseUrl: url, token: await relyingPartyToken(home, db, kioskId) });
      kiosk = await Kiosk.open({ db, trustAnchors: await trustAnchorsOf(db), directory, signingKey: kioskSigningKey(home), kioskId, rpId: `${config.publicBaseUrl.replace(/\/+$/, '')}/kiosk/${kioskId}`, mode: config.jpki.policyMode });
      const session = await kiosk.begin({ reader });
      io.out(`${session.holder === 'card' ? 'Individual Number Card' : 'phone'} on '${reader}' (${session.tokenLabel}); PIN: ${session.triesLeft} ${session.triesLeft === 1 ? 'try' : 'tries'} left\n`);
      for (;;) {
        const pin = await pins.next();
        if (pin === undefined) {
          kiosk.cancel(session.sessionId);
          io.err('no PIN given: cancelled\n');
          return 1;
        }
        try {
          printResidence(io, await kiosk.enterPin(session.sessionId, pin));
          return 0;
        } catch (err) {
          if (err instanceof KioskError && (err.code === 'ERR_KIOSK_PIN_INCORRECT' || err.code === 'ERR_KIOSK_PIN_FORMAT') && !pins.fromEnv) {
            io.err(`${err.message} [${err.code}]\n`);
            continue;
          }
          throw err;
        }
      }
    } finally {
      pins.close();
      kiosk?.close();
      await db.close();
    }
  },
};
