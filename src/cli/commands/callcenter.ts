import { JpkiMobileError } from '../../errors/index.js';
import { loadConfig, readSecret, resolveHome, secretInEnvironment } from '../../services/home/index.js';
import { parse } from '../args.js';
import { UsageError, type CliCommand } from '../command.js';

/**
 * A refusal of the call centre's service (its problem code, e.g. `ERR_CALLCENTER_UNKNOWN_PERSON`,
 * `ERR_JPKI_FORBIDDEN`), or `ERR_CLI_CALLCENTER` when it cannot be reached or answers no code.
 */
export class CallCentreCliError extends JpkiMobileError {}

const ACTIONS = ['find', 'certificates', 'suspend', 'release', 'revoke'] as const;
type Action = (typeof ACTIONS)[number];

export const callCentreCommand: CliCommand = {
  name: 'callcenter',
  summary: 'the call centre: find a person, suspend, release or revoke their phone certificates',
  usage: `Usage: jpki-mobile callcenter ACTION (--person ID | --name NAME --birth-date YYYY-MM-DD [--address ADDR])
                              [--operator ID] [--url URL] [--home DIR]

ACTION is one of
  find          show the person
  certificates  list their phone certificates and their status
  suspend       hold every good phone certificate (certificateHold: the phone is lost)
  release       make the held user-authentication certificate good again (the phone was found)
  revoke        revoke every phone certificate left (keyCompromise: not found); deletion is ordered

Talks to a running system (jpki-mobile start) at --url (default: the home's address) as a call-centre
operator. The operator's token comes from $JPKI_OPERATOR_TOKEN (or $JPKI_OPERATOR_TOKEN_FILE), else from
secrets/operators/ID.token (--operator ID, written by 'jpki-mobile operator add'); never from a flag.
Every action is in the audit log. A refusal exits 1 with the service's code (ERR_CALLCENTER_UNKNOWN_PERSON,
ERR_CALLCENTER_NOTHING_TO_DO, ERR_JPKI_FORBIDDEN, ...). See docs/services/callcenter.md.
`,
  async run(args, io) {
    const [action, ...rest] = args;
    if (!ACTIONS.includes(action as Action)) throw new UsageError(action === undefined ? 'missing ACTION' : `unknown action '${action}'`);
    const { values } = parse(rest, { person: { type: 'string' }, name: { type: 'string' }, 'birth-date': { type: 'string' }, address: { type: 'string' }, operator: { type: 'string' }, url: { type: 'string' } });
    let lookup: Record<string, string>;
    if (values.person !== undefined) lookup = { personId: values.person };
    else if (values.name !== undefined && values['birth-date'] !== undefined) lookup = { name: values.name, birthDate: values['birth-date'], ...(values.address !== undefined ? { address: values.address } : {}) };
    else throw new UsageError('give --person ID, or --name and --birth-date');
    const home = resolveHome(values.home);
    if (!secretInEnvironment('JPKI_OPERATOR_TOKEN') && values.operator === undefined) throw new UsageError('give --operator ID (its token file) or set JPKI_OPERATOR_TOKEN');
    const token = readSecret(home, `operators/${values.operator ?? '-'}.token`, 'JPKI_OPERATOR_TOKEN');
    const base = (values.url ?? loadConfig(home).publicBaseUrl).replace(/\/+$/, '');
    const call = async (method: string, path: string, body?: unknown) => {
      let res: Response;
      try {
        res = await fetch(base + path, { method, headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      } catch (cause) {
        throw new CallCentreCliError('ERR_CLI_CALLCENTER', `${base} cannot be reached: is the system running?`, { cause });
      }
      const text = await res.text();
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // not JSON: reported below with the status
      }
      // A refusal carries the service's own code (docs/errors.md): shown as the command's code.
      if (!res.ok) throw new CallCentreCliError(typeof json.code === 'string' && /^ERR_[A-Z0-9_]+$/.test(json.code) ? json.code : 'ERR_CLI_CALLCENTER', `${action}: ${res.status} ${typeof json.detail === 'string' ? json.detail : 'refused'}`);
      return json;
    };
    const person = await call('POST', '/callcenter/v1/lookups', lookup);
    const id = String(person.personId);
    const out =
      action === 'find'
        ? person
        : action === 'certificates'
          ? await call('GET', `/callcenter/v1/persons/${encodeURIComponent(id)}/phone-certificates`)
          : await call('POST', `/callcenter/v1/persons/${encodeURIComponent(id)}/${action}`);
    io.out(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  },
};
