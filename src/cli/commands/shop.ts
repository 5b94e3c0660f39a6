import { resolve } from 'node:path';
import { openPhoneDir, shopCheck } from '../../app/index.js';
import { RelyingParty } from '../../sdk/index.js';
import { secretFromEnv } from '../../services/home/index.js';
import { parse, required } from '../args.js';
import type { CliCommand } from '../command.js';
import { AppCliError } from './app-http.js';
import { PIN_ENV } from './app.js';

/** Every published generation of a CA (`/ca/<hierarchy>/<n>.crt`, from 1 until the first missing). */
async function generations(url: string, hierarchy: 'sign' | 'auth'): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (let n = 1; n <= 16; n++) {
    let res: Response;
    try {
      res = await fetch(`${url}/ca/${hierarchy}/${n}.crt`);
    } catch (cause) {
      throw new AppCliError('ERR_CLI_PHONE', `${url} cannot be reached: the shop terminal needs the CA certificates and OCSP`, { cause });
    }
    if (res.status !== 200) break;
    out.push(new Uint8Array(await res.arrayBuffer()));
  }
  if (out.length === 0) throw new AppCliError('ERR_CLI_PHONE', `${url} publishes no ${hierarchy} CA certificate`);
  return out;
}

export const shopCommand: CliCommand = {
  name: 'shop check',
  summary: 'the shop counter check of a handset over NFC (clean, or certificates present)',
  usage: `Usage: jpki-mobile shop check --phone DIR [--url URL]

The shop counter check (flow 11): the shop terminal's NFC reader selects the JPKI applet on the phone's
contactless interface. No applet, or an applet holding no certificate: "clean". Otherwise it reads the
token label and, with the holder's PIN typed on the terminal ($${PIN_ENV} or $${PIN_ENV}_FILE; without it the status stays
unknown, as the phone's applet gives its certificate only after the PIN), the user-authentication
certificate, and asks OCSP (CRL fallback) through the relying-party SDK: "certificates present (valid)"
or "certificates present (revoked)". Exit code 0 for clean, 3 when certificates are present.

Options:
  --phone DIR   the phone's folder
  --url URL     the system whose CA and OCSP the terminal trusts (default: the phone's)
`,
  async run(args, io) {
    const { values } = parse(args, { phone: { type: 'string' }, url: { type: 'string' } });
    const opened = await openPhoneDir(resolve(required(values.phone, 'phone')));
    try {
      const url = (values.url ?? opened.serverUrl).replace(/\/$/, '');
      const relyingParty = new RelyingParty({ trustAnchors: { auth: await generations(url, 'auth'), sign: await generations(url, 'sign') }, rpId: 'shop-terminal' });
      const pin = secretFromEnv(PIN_ENV);
      const report = await shopCheck(opened.phone.nfc, { relyingParty, ...(pin ? { pin } : {}) });
      io.out(`${report.verdict}\n`);
      if (report.tokenLabel) io.out(`token label ${report.tokenLabel}; keys: signature ${report.keys?.sign ? 'yes' : 'no'}, user authentication ${report.keys?.auth ? 'yes' : 'no'}\n`);
      if (report.authSerial) io.out(`user-authentication certificate ${report.authSerial}\n`);
      if (report.reason) io.out(`(${report.reason})\n`);
      return report.verdict === 'clean' ? 0 : 3;
    } finally {
      await opened.close();
    }
  },
};
