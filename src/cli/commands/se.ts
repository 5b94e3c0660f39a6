import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CardError, FileCardStore } from '../../card/index.js';
import {
  Catalogue,
  createElement,
  DEFAULT_PACKAGES,
  isdKeyFile,
  parseSeState,
  summariseElement,
  type SeProfile,
  type SeState,
} from '../../devices/secure-element/index.js';
import { parse, required } from '../args.js';
import { UsageError, type CliCommand, type Io } from '../command.js';

const USAGE = `Usage: jpki-mobile se create --profile dev|production --out FILE [--keys-out FILE]
       jpki-mobile se status FILE
       jpki-mobile se attach FILE [--vpcd HOST:PORT] [--interface contact|nfc] [--trace]

The GlobalPlatform secure element of the phone (GP Card Specification 2.3.1, SCP03): a file (JSON,
owner-only) holding its registry (security domains, load files, applications with their life cycles
and privileges), the key sets of its domains and every application's data, saved atomically after
each command.

create   makes a new element in the card life cycle state SECURED with its Issuer Security Domain
         A000000151000000 (privileges 9AFE80), the security domain package A0000001515350 and the
         applications of the default catalogue. Refuses to overwrite FILE.
         --profile dev         the ISD key set KVN 30 is the GlobalPlatform test key 404142…4F
                               (ENC, MAC and DEK), as development cards have it
         --profile production  three random AES-128 keys, written only to --keys-out FILE
                               (mandatory; created owner-only, never overwritten, never printed)
status   prints the card data and the registry: life cycles and privileges decoded, associated
         domains, interfaces, key versions and sequence counters (never a key)
attach   puts the element into vsmartcard's virtual reader (see 'jpki-mobile se attach --help')

Options:
  --profile NAME   dev (or development) | production
  --out FILE       the element file to create
  --keys-out FILE  where the ISD keys go (JSON, 0600)
`;

function profileOf(value: string): SeProfile {
  if (value === 'dev' || value === 'development') return 'development';
  if (value === 'production') return 'production';
  throw new UsageError(`--profile is dev or production, not '${value}'`);
}

/** Writes a new owner-only file; refuses an existing one. */
async function writeSecretFile(path: string, text: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    if ((err as { code?: string }).code === 'EEXIST') throw new CardError('ERR_CARD_STATE_EXISTS', `${path} exists already`, { cause: err });
    throw err;
  }
  try {
    await handle.writeFile(text, 'utf8');
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function create(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { profile: { type: 'string' }, out: { type: 'string' }, 'keys-out': { type: 'string' } }, true);
  if (positionals.length > 0) throw new UsageError(`unexpected ${positionals[0]}`);
  const profile = profileOf(required(values.profile, 'profile'));
  const out = resolve(required(values.out, 'out'));
  const keysOut = values['keys-out'] === undefined ? undefined : resolve(values['keys-out']);
  if (profile === 'production' && keysOut === undefined) throw new UsageError('a production element needs --keys-out FILE: its ISD keys are given nowhere else');
  if (keysOut !== undefined && keysOut === out) throw new UsageError('--keys-out and --out are the same file');
  const { state, isdKeys } = createElement({ profile });
  // The keys first: an element whose keys were lost would be unmanageable.
  if (keysOut !== undefined) await writeSecretFile(keysOut, JSON.stringify(isdKeyFile(isdKeys, state), null, 2) + '\n');
  await new FileCardStore<SeState>(out).create(state);
  const summary = summariseElement(state, new Catalogue(DEFAULT_PACKAGES));
  const serial = summary.card.cplc.find((f) => f.name === 'IC serial number')!.value;
  io.out(`secure element ${out} (profile ${profile}, ${summary.card.lifeCycle})\n`);
  io.out(`ISD A000000151000000, key set ${isdKeys.kvn.toString(16).toUpperCase()} AES-${isdKeys.enc.length * 8}; CIN ${state.card.cin}, IC serial ${serial}\n`);
  if (profile === 'development') io.out('ISD keys: the GlobalPlatform test key 404142434445464748494A4B4C4D4E4F for ENC, MAC and DEK\n');
  if (keysOut !== undefined) io.out(`ISD keys written to ${keysOut} (owner-only)\n`);
  for (const e of summary.registry.slice(1)) io.out(`  ${e.kind} ${e.aid}${e.name ? ` (${e.name})` : ''}\n`);
  return 0;
}

async function status(args: string[], io: Io): Promise<number> {
  const { positionals } = parse(args, {}, true);
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'missing FILE (the element file)' : 'one FILE only');
  const state = parseSeState(await new FileCardStore(resolve(positionals[0]!)).load());
  const s = summariseElement(state, new Catalogue(DEFAULT_PACKAGES));
  io.out(`profile ${s.profile}; card ${s.card.lifeCycle}; IIN ${s.card.iin}; CIN ${s.card.cin}; KDD ${s.card.kdd}\n`);
  io.out(`CPLC ${s.card.cplc.map((f) => `${f.name} ${f.value}`).join(', ')}\n`);
  for (const e of s.registry) {
    io.out(`\n${e.kind} ${e.aid}${e.name ? ` (${e.name})` : ''}\n  life cycle ${e.lifeCycle} (${e.lifeCycleCode})\n`);
    if (e.privileges) io.out(`  privileges ${e.privileges.code}: ${e.privileges.names.join(', ') || 'none'}\n`);
    if (e.associatedDomain && e.associatedDomain !== e.aid) io.out(`  associated with ${e.associatedDomain}\n`);
    if (e.loadFile) io.out(`  from load file ${e.loadFile}, module ${e.module}\n`);
    if (e.interfaces) io.out(`  interfaces ${e.interfaces.join(', ')}\n`);
    if (e.version) io.out(`  version ${e.version}; modules ${e.modules!.join(', ')}\n`);
    for (const k of e.keySets ?? []) io.out(`  key set ${k.kvn} ${k.type}, sequence counter ${k.counter}\n`);
    if (e.keySets && e.keySets.length === 0) io.out('  no key set\n');
  }
  return 0;
}

/** `jpki-mobile se`: create and status (attach is its own command). */
export const seCommand: CliCommand = {
  name: 'se',
  summary: 'the GlobalPlatform secure element: create, status, attach',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'create':
        return create(rest, io);
      case 'status':
        return status(rest, io);
      default:
        throw new UsageError(sub === undefined ? 'missing subcommand' : `unknown subcommand '${sub}'`);
    }
  },
};
