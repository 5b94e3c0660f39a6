import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { JPKI_APP_PACKAGE, JpkiApp, openApp, openPhoneDir, PHONE_FILES } from '../../app/index.js';
import { fromHex } from '../../bytes/index.js';
import { FileCardStore } from '../../card/index.js';
import { IdCard, type IdCardState } from '../../devices/id-card/index.js';
import { parse, required } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';
import { AppCliError, postJson } from './app-http.js';
import { revokeCommand, runCommand, statusCommand } from './app-online.js';
import { PASSWORD_ENV } from './card.js';
import { checkSecretSources, closeSecretInput, secretInEnvironment, secretInput } from './secret-input.js';

export const NEW_PIN_ENV = 'JPKI_NEW_PIN';
export const NEW_PASSWORD_ENV = 'JPKI_NEW_PASSWORD';
export const PIN_ENV = 'JPKI_PIN';
export const SIGN_PASSWORD_ENV = 'JPKI_PASSWORD';

const USAGE = `Usage: jpki-mobile app install --phone DIR [--url URL]
       jpki-mobile app issue --phone DIR --card FILE
       jpki-mobile app reset-pin --phone DIR --card FILE [--pin] [--password]
       jpki-mobile app login --phone DIR (--challenge HEX | --portal URL)
       jpki-mobile app sign --phone DIR --file FILE [--out FILE]
       jpki-mobile app status --phone DIR [--json]
       jpki-mobile app revoke --phone DIR [--yes]
       jpki-mobile app run --phone DIR [--once | --timeout SEC] [--poll SEC] [--no-sync]
       jpki-mobile app uninstall --phone DIR

The JPKI smartphone app on a phone made by 'jpki-mobile phone new' (docs/app.md).

install   installs the app package of DIR and runs the preparation (flow 2): push token, app instance
          at the SP-TSM, the SEI-TSM's and SP-TSM's scripts relayed to the secure element
issue     issuance (flow 3) with the card FILE (a card file of 'jpki-mobile card issue') held to the
          phone: the card's signature password from $${PASSWORD_ENV}, then the new PIN and password
          from $${NEW_PIN_ENV} and $${NEW_PASSWORD_ENV} (each asked twice on standard input otherwise)
reset-pin re-initialises the PIN and/or the signature password online with the card FILE (flow 5: a
          forgotten or blocked secret): the card's signature password from $${PASSWORD_ENV}; the card
          signs the request, the certification service checks the card is the certificates' holder's,
          the SP-TSM sets temporary values (unblocking them), replaced at once by the new ones from
          $${NEW_PIN_ENV} / $${NEW_PASSWORD_ENV} (each asked twice on standard input otherwise).
          --pin: the PIN only; --password: the password only; neither or both: both
login     signs a login challenge with the user-authentication key after the PIN ($${PIN_ENV} or
          standard input): --challenge HEX prints the certificate and signature (base64); --portal URL
          gets the challenge from URL/login and posts the answer back, printing the portal's reply
sign      a detached CMS SignedData over FILE with the signature key after the signature password
          ($${SIGN_PASSWORD_ENV} or standard input), written to --out (default FILE.p7s)
status    this phone's certificates and their status (OCSP through the relying-party SDK), and the
          deletion of the holder's old phones (flow 6): a warning, with what to do, while an old
          phone has not confirmed that its keys are deleted
revoke    revokes both certificates from the phone itself, without the card (flow 7): the PIN
          ($${PIN_ENV} or standard input) signs the request; the keys are deleted in the same session.
          Asks for 'yes' on standard input first, unless --yes
run       the app while the phone is online: runs the TSM sessions push messages ask for (deletion
          of an old phone's keys: flows 6, 8, 9), makes contact with the SP-TSM once (flow 12: revoked
          certificates marked in the applet, a pending deletion done), then waits for messages until
          --timeout SEC (or Ctrl-C); --once stops after the first two steps
uninstall removes the app and its data from the phone. The phone's push component tells the push
          service at once (the app's push token dies: messages waiting for it fail, and the SP-TSM
          reads the token as dead), or at the phone's next contact when the service cannot be reached

Secrets never come from flags: each from its variable ($${PIN_ENV}), or from the file its _FILE
variable names ($${PIN_ENV}_FILE: the first line; the file must be readable by its owner only, e.g.
chmod 600), else from standard input. Errors say what to do, with their code.

Options:
  --phone DIR        the phone's folder
  --url URL          the system (default: the one the phone was made with)
  --card FILE        the Individual Number Card file
  --pin, --password  reset-pin: which secret to re-initialise (default both)
  --challenge HEX    the bytes to sign
  --portal URL       a relying party with GET/POST /login (examples/sdk-portal.ts)
  --file FILE        the document to sign
  --out FILE         where the signature goes
  --json             status as JSON
  --yes              revoke without asking
  --once             run: take what waits, make contact, stop
  --timeout SEC      run: stop after SEC seconds (1..604800)
  --poll SEC         run: longest wait of one poll (1..25, default 25)
  --no-sync          run: no contact session
`;

async function withPhone<T>(dir: string | undefined, work: (o: Awaited<ReturnType<typeof openPhoneDir>>) => Promise<T>): Promise<T> {
  const opened = await openPhoneDir(resolve(required(dir, 'phone')));
  try {
    return await work(opened);
  } finally {
    closeSecretInput();
    await opened.close();
  }
}

async function install(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, url: { type: 'string' } });
  return withPhone(values.phone, async (o) => {
    const signingCertificate = new Uint8Array(readFileSync(resolve(values.phone!, PHONE_FILES.appPackage)));
    const app = await JpkiApp.install({ phone: o.phone, store: o.appStore, push: o.push, signingCertificate, serverUrl: (values.url ?? o.serverUrl).replace(/\/$/, '') });
    io.out(`installed ${app.packageName} (certificate SHA-256 ${app.certificateHash})\n`);
    const outcome = await app.prepare();
    io.out(`prepared: app instance ${app.data.appInstanceId}, secure element ${app.data.seId}, session ${outcome.session.sessionId} (${outcome.batches} batches, ${outcome.requests} requests)\n`);
    return 0;
  });
}

async function issue(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, card: { type: 'string' } });
  const cardFile = resolve(required(values.card, 'card'));
  checkSecretSources([PASSWORD_ENV, NEW_PIN_ENV, NEW_PASSWORD_ENV]);
  return withPhone(values.phone, async (o) => {
    const app = await openApp(o);
    const store = new FileCardStore<IdCardState>(cardFile);
    const card = await IdCard.open(store);
    await card.powerOn();
    const result = await app.issue({
      card,
      cardPassword: () => secretInput(PASSWORD_ENV, "the card's signature password", io),
      newSecrets: async (previous) => {
        if (previous) io.err(`${previous.message}\n`);
        const pin = await secretInput(NEW_PIN_ENV, 'new PIN (4 digits)', io);
        const pinConfirm = secretInEnvironment(NEW_PIN_ENV) ? pin : await secretInput(NEW_PIN_ENV, 'new PIN again', io);
        const password = await secretInput(NEW_PASSWORD_ENV, 'new signature password (6-16 of A-Z 0-9)', io);
        const passwordConfirm = secretInEnvironment(NEW_PASSWORD_ENV) ? password : await secretInput(NEW_PASSWORD_ENV, 'new signature password again', io);
        return { pin, pinConfirm, password, passwordConfirm };
      },
    });
    io.out(`issued: user-authentication certificate ${result.authSerial}, signature certificate ${result.signSerial} (session ${result.sessionId}); your PIN and password are set\n`);
    return 0;
  });
}

async function resetPin(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, card: { type: 'string' }, pin: { type: 'boolean' }, password: { type: 'boolean' } });
  const cardFile = resolve(required(values.card, 'card'));
  const secrets = values.pin === values.password ? 'both' : values.pin ? 'pin' : 'password';
  checkSecretSources([PASSWORD_ENV, NEW_PIN_ENV, NEW_PASSWORD_ENV]);
  return withPhone(values.phone, async (o) => {
    const app = await openApp(o);
    const card = await IdCard.open(new FileCardStore<IdCardState>(cardFile));
    await card.powerOn();
    const result = await app.resetSecrets({
      card,
      secrets,
      cardPassword: () => secretInput(PASSWORD_ENV, "the card's signature password", io),
      newSecrets: async (previous) => {
        if (previous) io.err(`${previous.message}\n`);
        const twice = async (env: string, what: string) => {
          const value = await secretInput(env, what, io);
          return [value, secretInEnvironment(env) ? value : await secretInput(env, `${what} again`, io)] as const;
        };
        const [pin, pinConfirm] = secrets !== 'password' ? await twice(NEW_PIN_ENV, 'new PIN (4 digits)') : [];
        const [password, passwordConfirm] = secrets !== 'pin' ? await twice(NEW_PASSWORD_ENV, 'new signature password (6-16 of A-Z 0-9)') : [];
        return { ...(pin !== undefined ? { pin, pinConfirm } : {}), ...(password !== undefined ? { password, passwordConfirm } : {}) };
      },
    });
    const what = { pin: 'your PIN is', password: 'your signature password is', both: 'your PIN and signature password are' }[result.secrets];
    io.out(`re-initialised with the card: ${what} set (session ${result.sessionId})\n`);
    return 0;
  });
}

async function login(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, challenge: { type: 'string' }, portal: { type: 'string' } });
  if ((values.challenge === undefined) === (values.portal === undefined)) throw new UsageError('give --challenge HEX or --portal URL');
  checkSecretSources([PIN_ENV]);
  return withPhone(values.phone, async (o) => {
    const app = await openApp(o);
    let challenge: Uint8Array;
    let encoded: string | undefined;
    if (values.challenge !== undefined) {
      if (!/^(?:[0-9A-Fa-f]{2}){1,1024}$/.test(values.challenge)) throw new UsageError('--challenge is 1 to 1024 bytes in hex');
      challenge = fromHex(values.challenge);
    } else {
      const portal = values.portal!.replace(/\/$/, '');
      let res: Response;
      try {
        res = await fetch(`${portal}/login`);
      } catch (cause) {
        throw new AppCliError('ERR_CLI_PHONE', `${portal} cannot be reached`, { cause });
      }
      const body = (await res.json()) as { challenge?: unknown };
      if (res.status !== 200 || typeof body.challenge !== 'string') throw new AppCliError('ERR_CLI_PHONE', `${portal}/login answered ${res.status} without a challenge`);
      encoded = body.challenge;
      challenge = new Uint8Array(Buffer.from(encoded, 'base64url'));
    }
    const pin = await secretInput(PIN_ENV, 'PIN', io);
    const r = await app.login({ challenge, pin });
    const certificate = Buffer.from(r.certificate).toString('base64');
    const signature = Buffer.from(r.signature).toString('base64');
    if (encoded === undefined) {
      io.out(`certificate ${certificate}\nsignature ${signature}\n`);
    } else {
      const reply = await postJson(`${values.portal!.replace(/\/$/, '')}/login`, { challenge: encoded, certificate, signature }, undefined, 200);
      io.out(`logged in: ${JSON.stringify(reply)}\n`);
    }
    return 0;
  });
}

async function sign(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' }, file: { type: 'string' }, out: { type: 'string' } });
  const file = resolve(required(values.file, 'file'));
  const out = resolve(values.out ?? `${file}.p7s`);
  checkSecretSources([SIGN_PASSWORD_ENV]);
  return withPhone(values.phone, async (o) => {
    const app = await openApp(o);
    const content = new Uint8Array(readFileSync(file));
    const password = await secretInput(SIGN_PASSWORD_ENV, 'signature password', io);
    const cms = await app.signDocument({ content, password });
    writeFileSync(out, cms);
    io.out(`signed ${file}: detached CMS SignedData (DER) in ${out}\n`);
    return 0;
  });
}

async function uninstall(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { phone: { type: 'string' } });
  return withPhone(values.phone, async (o) => {
    if (!o.phone.app(JPKI_APP_PACKAGE)) throw new AppCliError('ERR_CLI_PHONE', `${JPKI_APP_PACKAGE} is not installed on this phone`);
    await o.phone.uninstallApp(JPKI_APP_PACKAGE);
    // Android deletes an app's private data with it.
    rmSync(resolve(values.phone!, PHONE_FILES.app), { force: true });
    const pending = await o.push.pendingRemovals();
    io.out(`uninstalled ${JPKI_APP_PACKAGE}
`);
    io.out(pending.includes(JPKI_APP_PACKAGE) ? 'the push service could not be reached: it is told at the phone\'s next contact\n' : 'the push service was told: the app\'s push token is dead\n');
    return 0;
  });
}

export const appCommand: CliCommand = {
  name: 'app',
  summary: 'the JPKI smartphone app on a phone: install, issue, reset-pin, login, sign, status, revoke, run, uninstall',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'install':
        return install(rest, io);
      case 'issue':
        return issue(rest, io);
      case 'reset-pin':
        return resetPin(rest, io);
      case 'login':
        return login(rest, io);
      case 'sign':
        return sign(rest, io);
      case 'status':
        return statusCommand(rest, io, withPhone);
      case 'revoke':
        return revokeCommand(rest, io, withPhone, PIN_ENV);
      case 'run':
        return runCommand(rest, io, withPhone);
      case 'uninstall':
        return uninstall(rest, io);
      default:
        throw new UsageError(sub === undefined ? 'missing the subcommand (install, issue, reset-pin, login, sign, status, revoke, run, uninstall)' : `unknown subcommand '${sub}'`);
    }
  },
};
