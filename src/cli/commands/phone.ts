import { resolve } from 'node:path';
import { makePhoneDir, openPhoneDir, PhoneDirError } from '../../app/index.js';
import { HomeError, readSecret, resolveHome } from '../../services/home/index.js';
import { parse, required } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';
import { AppCliError } from './app-http.js';
import { holdToReader } from './phone-nfc.js';

const USAGE = `Usage: jpki-mobile phone new --out DIR --url URL [--model NAME] [--home DIR]
       jpki-mobile phone reset --phone DIR
       jpki-mobile phone nfc --phone DIR [--vpcd HOST:PORT] [--trace]

A smartphone on disk: its OS state, device key, embedded secure element, push identity and the JPKI
app's data, one file each in DIR (docs/app.md).

new     makes a phone with its own secure element (production profile: random ISD keys, handed to the
        SEI-TSM of the running system at URL through its maker endpoint, POST /tsm/v1/elements, as the
        element maker would; they are written nowhere else but in the element). Acts with the admin
        token of the home ($JPKI_ADMIN_TOKEN or $JPKI_ADMIN_TOKEN_FILE, else HOME/secrets/admin.token). Also makes, once per home,
        the JPKI app publisher's signing certificate (HOME/app-signing/), has the SP-TSM serve it, and
        puts the app package (its certificate) into DIR for 'jpki-mobile app install'.
reset   factory reset (flow 10): the OS's reset handlers run first (the push component tells the push
        service; the SE agent sends the reset notice, proven by the element's ISD, to the SEI-TSM, which
        has the phone certificates revoked, then runs the clean-up that deletes the JPKI applet, its
        security domain and keys; offline, or refused, the notice stays pending on the phone and is
        sent again when it is online), then apps, keystore keys and fingerprints are wiped.
nfc     holds the phone to a contactless reader until SIGTERM or SIGINT (Ctrl-C), then exits 0: the
        reader is vsmartcard's virtual reader in pcscd (vpcd slot 0 listens on 127.0.0.1:35963, slot 1
        on 35964), as a kiosk's or a shop terminal's. The phone's NFC controller (card emulation)
        routes the reader's APDUs to the element's contactless interface, where only applications
        installed for contactless access answer (the JPKI applet); the OS and apps never see them.
        Refused with ERR_NFC_NO_CARD when NFC is off on the phone. Run no other command on DIR
        meanwhile: the phone is in one place at a time.

Options:
  --out DIR      the phone's folder (created; refused if it holds a phone)
  --url URL      the running system (jpki-mobile start)
  --model NAME   the phone's model name (default "JPKI Phone")
  --phone DIR    an existing phone's folder
  --vpcd H:P     where vpcd listens (default 127.0.0.1:35963); vpcd has no authentication: keep it on
                 loopback or in a network namespace of its own
  --trace        print every APDU exchange to stderr (VERIFY data redacted)
  --home DIR     the system's home (default: $JPKI_MOBILE_HOME, else ./.jpki-mobile)
`;

async function create(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { out: { type: 'string' }, url: { type: 'string' }, model: { type: 'string' } });
  const dir = resolve(required(values.out, 'out'));
  const url = required(values.url, 'url').replace(/\/$/, '');
  const model = values.model ?? 'JPKI Phone';
  const home = resolveHome(values.home);
  let admin: string;
  try {
    admin = readSecret(home, 'admin.token', 'JPKI_ADMIN_TOKEN');
  } catch (err) {
    if (err instanceof HomeError) throw new AppCliError('ERR_CLI_PHONE', `the maker endpoint needs the admin token: set $JPKI_ADMIN_TOKEN, $JPKI_ADMIN_TOKEN_FILE or --home (${err.message})`);
    throw err;
  }
  let made;
  try {
    made = await makePhoneDir(dir, { url, model, home, adminToken: admin });
  } catch (err) {
    if (err instanceof PhoneDirError) throw new AppCliError('ERR_CLI_PHONE', err.message, { cause: err });
    throw err;
  }
  io.out(`phone ${dir} (${model}, device ${made.deviceId})\n`);
  io.out(`secure element ${made.seId} registered with the SEI-TSM at ${url}\n`);
  io.out(`JPKI app package signed by certificate SHA-256 ${made.appCertificateSha256}\n`);
  io.out(`next: jpki-mobile app install --phone ${dir} --url ${url}\n`);
  return 0;
}

async function reset(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' } });
  const opened = await openPhoneDir(resolve(required(values.phone, 'phone')));
  try {
    const report = await opened.phone.factoryReset();
    io.out(`factory reset ${report.notice.id} at ${report.notice.resetAt}\n`);
    io.out(`told: ${report.completed.join(', ') || 'nobody'}\n`);
    if (report.pending.length > 0) io.out(`pending (sent again when online): ${report.pending.join(', ')}\n`);
    return 0;
  } finally {
    await opened.close();
  }
}

export const phoneCommand: CliCommand = {
  name: 'phone',
  summary: 'a smartphone with its secure element: new, reset, nfc (held to a PC/SC reader)',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub === 'new') return create(rest, io);
    if (sub === 'reset') return reset(rest, io);
    if (sub === 'nfc') return holdToReader(rest, io);
    throw new UsageError(sub === undefined ? 'missing the subcommand (new, reset, nfc)' : `unknown subcommand '${sub}'`);
  },
};
