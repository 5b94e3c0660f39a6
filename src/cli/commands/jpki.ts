import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reasonByName, reasonName } from '../../pki/revocation/index.js';
import { createHome, databaseConfig, defaultConfig, loadConfig, readSecret, resolveHome, writeSecret } from '../../services/home/index.js';
import { OPERATOR_ROLES, type OperatorRole } from '../../services/jpki/actors.js';
import { Authority } from '../../services/jpki/authority.js';
import { createOperator } from '../../services/jpki/operators.js';
import type { Hierarchy } from '../../services/jpki/repository.js';
import { openDatabase, verifyAudit } from '../../store/index.js';
import { parse, required } from '../args.js';
import { UsageError, type CliCommand } from '../command.js';
import { openJpki, PASSPHRASE_ENV, startSystem } from '../runtime/jpki-system.js';
import { ensureTsmSecrets } from '../runtime/tsm-system.js';

const HOME_HELP = `  --home DIR         the system's home folder (default: $JPKI_MOBILE_HOME, else ./.jpki-mobile)`;

function pem(label: string, der: Uint8Array): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** Creates a home with its database, first CA generation and admin token; returns what to tell the user. */
async function initialise(home: string, port: number, mode: 'production' | 'test'): Promise<string> {
  const config = defaultConfig({ port, policyMode: mode, ...(process.env.JPKI_MOBILE_DATABASE_URL ? { databaseUrl: process.env.JPKI_MOBILE_DATABASE_URL } : {}) });
  createHome(home, config);
  const db = await openDatabase(databaseConfig(home, config));
  try {
    const passphrase = readSecret(home, 'ca-passphrase', PASSPHRASE_ENV);
    const { created } = await Authority.initialise(db, new Date(), { passphrase });
    const token = await createOperator(db, 'admin', 'admin', new Date());
    const tokenPath = writeSecret(home, 'admin.token', token);
    const tsm = await ensureTsmSecrets(home, db);
    return `created ${home}\n  CA generations: ${created.join(', ') || '(already present)'}\n  admin token: ${tokenPath}\n${tsm.map((p) => `  TSM secret: ${p}\n`).join('')}`;
  } finally {
    await db.close();
  }
}

export const initCommand: CliCommand = {
  name: 'init',
  summary: 'create a system in a home folder: database, CA keys, admin token',
  usage: `Usage: jpki-mobile init [--home DIR] [--port N] [--policy-mode production|test]

Creates the home folder: config.json, the SQLite database (or PostgreSQL when JPKI_MOBILE_DATABASE_URL
is set), a first key generation of the signature and user-authentication CAs with their OCSP responders,
and an admin operator token. The CA keys are stored encrypted with the passphrase in
$${PASSPHRASE_ENV} (or $${PASSPHRASE_ENV}_FILE), else a random one written to secrets/ca-passphrase.
Secrets never come from command-line flags.

Options:
${HOME_HELP}
  --port N           HTTP port of 'jpki-mobile start' (default 8420)
  --policy-mode M    certificate policy OIDs: production (default) or test
`,
  async run(args, io) {
    const { values } = parse(args, { port: { type: 'string' }, 'policy-mode': { type: 'string' } });
    const home = resolveHome(values.home);
    const port = values.port === undefined ? 8420 : Number(values.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port must be 1..65535');
    const mode = values['policy-mode'] ?? 'production';
    if (mode !== 'production' && mode !== 'test') throw new UsageError('--policy-mode must be production or test');
    io.out((await initialise(home, port, mode)) + `next: jpki-mobile start --home ${home}\n`);
    return 0;
  },
};

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the services of a home until Ctrl-C',
  usage: `Usage: jpki-mobile start [--home DIR] [--port N]

Runs the JPKI certification service over HTTP: CA certificates (/ca/sign/1.crt), CRLs
(/crl/sign/1.crl), OCSP (/ocsp/sign), and the operator API (/api/v1/...); the push service
(/push/v1/..., senders from 'jpki-mobile push sender add'); and the relying parties: the portal
(/portal/v1), the bank (/bank/v1) and the kiosk (/kiosk/v1) (docs/relying-parties.md). A home that
does not exist yet is created first, as 'jpki-mobile init' would; an existing one is found again with
all its state. Prints the address to open and stops cleanly on SIGINT or SIGTERM.

Options:
${HOME_HELP}
  --port N           listen on this port instead of the configured one (0 picks a free port)
`,
  async run(args, io) {
    const { values } = parse(args, { port: { type: 'string' } });
    const home = resolveHome(values.home);
    const port = values.port === undefined ? undefined : Number(values.port);
    if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError('--port must be 0..65535');
    if (!existsSync(join(home, 'config.json'))) io.out(await initialise(home, port && port > 0 ? port : 8420, 'production'));
    const system = await startSystem(home, { ...(port !== undefined ? { port } : {}), log: (line) => io.err(line + '\n') });
    io.out(
      `jpki-mobile is running at ${system.url}\n  OCSP: ${system.url}/ocsp/sign  CRL: ${system.url}/crl/sign/1.crl  push: ${system.url}/push/v1\n` +
        `  portal: ${system.url}/portal/v1  bank: ${system.url}/bank/v1  kiosk: ${system.url}/kiosk/v1\n(Ctrl-C to stop)\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await system.stop();
    io.out('stopped\n');
    return 0;
  },
};

const CA_USAGE = `Usage: jpki-mobile ca export --out DIR
       jpki-mobile ca status --serial HEX
       jpki-mobile ca revoke --serial HEX --reason NAME
       jpki-mobile ca hold --serial HEX
       jpki-mobile ca release --serial HEX
       jpki-mobile ca rotate --hierarchy sign|auth

export   writes every CA generation's certificate and OCSP responder certificate as PEM
         (sign-1.pem, sign-1-ocsp.pem, auth-1.pem, ...)
status   prints a certificate's state
revoke   revokes with an RFC 5280 reason name (keyCompromise, affiliationChanged, superseded,
         cessationOfOperation, unspecified), acting as an admin; a card certificate takes its phone
         certificates with it
hold     suspends (certificateHold); release makes a held user-authentication certificate good again
rotate   introduces a new CA key generation; the old one stays verifiable and answered

Options:
${HOME_HELP}
`;

export const caCommand: CliCommand = {
  name: 'ca',
  summary: 'the certification authority: export, status, revoke, hold, release, rotate',
  usage: CA_USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values } = parse(rest, { out: { type: 'string' }, serial: { type: 'string' }, reason: { type: 'string' }, hierarchy: { type: 'string' } });
    const home = resolveHome(values.home);
    if (sub === 'rotate') {
      const h = values.hierarchy;
      if (h !== 'sign' && h !== 'auth') throw new UsageError('--hierarchy must be sign or auth');
      const config = loadConfig(home);
      const db = await openDatabase(databaseConfig(home, config));
      try {
        const label = await Authority.rotate(db, h as Hierarchy, new Date(), { passphrase: readSecret(home, 'ca-passphrase', PASSPHRASE_ENV) });
        io.out(`new CA generation ${label}\n`);
      } finally {
        await db.close();
      }
      return 0;
    }
    if (!['export', 'status', 'revoke', 'hold', 'release'].includes(sub ?? '')) {
      throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`);
    }
    const { db, service } = await openJpki(home);
    const actor = { kind: 'admin', id: 'cli' } as const;
    try {
      switch (sub) {
        case 'export': {
          const out = required(values.out, 'out');
          mkdirSync(out, { recursive: true });
          for (const g of service.ctx.authority.all()) {
            writeFileSync(join(out, `${g.hierarchy}-${g.generation}.pem`), pem('CERTIFICATE', g.certificate));
            writeFileSync(join(out, `${g.hierarchy}-${g.generation}-ocsp.pem`), pem('CERTIFICATE', g.responderCertificate));
            io.out(`${join(out, `${g.hierarchy}-${g.generation}.pem`)} (${g.state})\n${join(out, `${g.hierarchy}-${g.generation}-ocsp.pem`)}\n`);
          }
          return 0;
        }
        case 'status': {
          const s = await service.status(required(values.serial, 'serial').toUpperCase());
          io.out(
            `${s.serial} ${s.device} ${s.hierarchy} (CA generation ${s.generation})\n  status: ${s.status}${s.reason !== null ? ` (${reasonName(s.reason)}, ${s.revokedAt})` : ''}\n  subject: ${s.subject}\n  valid: ${s.notBefore} .. ${s.notAfter}\n${s.linkedSerial ? `  linked to card certificate ${s.linkedSerial}\n` : ''}`,
          );
          return 0;
        }
        case 'revoke': {
          let code: number;
          try {
            code = reasonByName(required(values.reason, 'reason')).code;
          } catch {
            throw new UsageError(`unknown reason '${values.reason}'`);
          }
          if (code === 6) throw new UsageError("use 'jpki-mobile ca hold' for certificateHold");
          const changed = await service.revoke(actor, required(values.serial, 'serial').toUpperCase(), code);
          io.out(`revoked: ${changed.join(' ')}\n`);
          return 0;
        }
        case 'hold':
          await service.revoke(actor, required(values.serial, 'serial').toUpperCase(), 6);
          io.out('held\n');
          return 0;
        default:
          await service.release(actor, required(values.serial, 'serial').toUpperCase());
          io.out('released\n');
          return 0;
      }
    } finally {
      service.close();
      await db.close();
    }
  },
};

export const operatorCommand: CliCommand = {
  name: 'operator',
  summary: 'create operator accounts (office, call-centre, admin, sp-tsm, relying-party)',
  usage: `Usage: jpki-mobile operator add --id ID --role office|call-centre|admin|sp-tsm|relying-party

Creates an operator and writes its bearer token to secrets/operators/ID.token (owner-only). The token is
not printed. Operators call the HTTP API with 'Authorization: Bearer <token>'. A relying-party operator
(the portal, a kiosk) only reads certificate status and person records; 'jpki-mobile start' makes the
ones of its own portal and kiosk.

Options:
${HOME_HELP}
`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'add') throw new UsageError(sub === undefined ? 'missing subcommand: add' : `unknown subcommand '${sub}'`);
    const { values } = parse(rest, { id: { type: 'string' }, role: { type: 'string' } });
    const role = required(values.role, 'role');
    if (!OPERATOR_ROLES.includes(role as OperatorRole)) throw new UsageError(`--role must be one of ${OPERATOR_ROLES.join(', ')}`);
    const home = resolveHome(values.home);
    const config = loadConfig(home);
    const db = await openDatabase(databaseConfig(home, config));
    try {
      const id = required(values.id, 'id');
      let path = '';
      await createOperator(db, id, role as OperatorRole, new Date(), (token) => {
        path = writeSecret(home, join('operators', `${id}.token`), token);
      });
      io.out(`operator ${id} (${role}); token in ${path}\n`);
    } finally {
      await db.close();
    }
    return 0;
  },
};

export const auditCommand: CliCommand = {
  name: 'audit',
  summary: 'verify the hash-chained audit log',
  usage: `Usage: jpki-mobile audit verify [--home DIR]

Recomputes every entry's hash and link; exits 0 when the chain is whole, 1 naming the first broken entry.
`,
  async run(args, io) {
    const [sub, ...rest] = args;
    if (sub !== 'verify') throw new UsageError(sub === undefined ? 'missing subcommand: verify' : `unknown subcommand '${sub}'`);
    const { values } = parse(rest, {});
    const home = resolveHome(values.home);
    const db = await openDatabase(databaseConfig(home, loadConfig(home)));
    try {
      const result = await verifyAudit(db);
      if (result.ok) {
        io.out(`audit log ok: ${result.entries} entries, head ${result.headSeq}\n`);
        return 0;
      }
      io.err(`audit log broken at entry ${result.firstBroken.seq}: ${result.firstBroken.reason} (${result.entries} entries verified before it)\n`);
      return 1;
    } finally {
      await db.close();
    }
  },
};
