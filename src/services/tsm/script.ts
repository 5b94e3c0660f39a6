import { encodeCommand, parseResponse, type CommandApdu, type ResponseApdu } from '../../apdu/index.js';
import { toHex } from '../../bytes/index.js';
import { redactCommand } from '../../card/index.js';
import { TsmError } from './errors.js';
import { unwrapResponse, wrapCommand, type CommandSnapshot, type PipelineState } from './scp03-pipeline.js';

/*
 * What a TSM sends through the relay: steps, grouped in batches. A step names a channel (a name the
 * TSM chooses, e.g. `isd`; the agent maps it to a logical channel it opened) and is one of
 *
 * - `open`: open a logical channel and SELECT the AID on it (OMAPI `openLogicalChannel(aid)`);
 * - `apdu`: send one command APDU on the channel, coded for the basic channel (the agent writes the
 *   channel number into CLA, as OMAPI does; SCP03 leaves those bits out of the C-MAC, Amendment D
 *   6.2.4) and stop unless the status word is one of `expect`;
 * - `close`: close the channel.
 */
export type WireStep =
  | { readonly op: 'open'; readonly channel: string; readonly aid: string }
  | { readonly op: 'apdu'; readonly channel: string; readonly apdu: string; readonly expect: readonly string[] }
  | { readonly op: 'close'; readonly channel: string };

export type Party = 'sei' | 'sp';

/** A step as its TSM planned it: the wire form, and what the trace may show of it. */
export interface PlannedStep {
  readonly wire: WireStep;
  readonly party: Party;
  /** What the step does, e.g. `INSTALL [for install and make selectable] APSD D392F000260253440001`. */
  readonly label: string;
  /** The command before SCP03 wrapping, as hex, its data redacted when it carries a secret. */
  readonly command: string;
  /** The wire APDU as the trace shows it (redacted like `command`). */
  readonly traced: string;
}

/** What the TSM keeps of a step to check its response later. */
export interface StepMeta {
  readonly label: string;
  /** Present for a command wrapped in the session: the snapshot its response is checked against. */
  readonly snapshot?: CommandSnapshot;
}

export const OK = ['9000'] as const;

function shown(bytes: Uint8Array, secret: boolean): string {
  return secret ? redactCommand(bytes, new Set([bytes[1]!])) : toHex(bytes);
}

/**
 * One TSM's steps of one batch. Commands of an open session are wrapped here, in order; the snapshots
 * go into the TSM's (sealed) state so the responses can be checked when the batch returns.
 */
export class Round {
  readonly steps: PlannedStep[] = [];
  readonly meta: StepMeta[] = [];

  constructor(
    readonly party: Party,
    readonly channel: string,
  ) {}

  open(aid: Uint8Array, label: string): this {
    this.steps.push({ wire: { op: 'open', channel: this.channel, aid: toHex(aid) }, party: this.party, label, command: '', traced: '' });
    this.meta.push({ label });
    return this;
  }

  /** A command outside secure messaging (INITIALIZE UPDATE). */
  plain(command: CommandApdu, label: string, expect: readonly string[] = OK): this {
    const bytes = encodeCommand(command);
    this.steps.push({ wire: { op: 'apdu', channel: this.channel, apdu: toHex(bytes), expect }, party: this.party, label, command: toHex(bytes), traced: toHex(bytes) });
    this.meta.push({ label });
    return this;
  }

  /** EXTERNAL AUTHENTICATE, already built by `openSession` (its C-MAC starts the chain). */
  authenticate(command: CommandApdu): this {
    const bytes = encodeCommand(command);
    this.steps.push({ wire: { op: 'apdu', channel: this.channel, apdu: toHex(bytes), expect: OK }, party: this.party, label: 'EXTERNAL AUTHENTICATE', command: toHex(bytes), traced: toHex(bytes) });
    this.meta.push({ label: 'EXTERNAL AUTHENTICATE' });
    return this;
  }

  /** A command of the open session: wrapped now, its response checked later. */
  secured(session: PipelineState, command: CommandApdu, label: string, options: { expect?: readonly string[]; secret?: boolean } = {}): this {
    const secret = options.secret ?? false;
    const { wire, snapshot } = wrapCommand(session, command);
    const bytes = encodeCommand(wire);
    this.steps.push({
      wire: { op: 'apdu', channel: this.channel, apdu: toHex(bytes), expect: options.expect ?? OK },
      party: this.party,
      label,
      command: shown(encodeCommand(command), secret),
      traced: shown(bytes, secret),
    });
    this.meta.push({ label, snapshot });
    return this;
  }

  close(label = 'close channel'): this {
    this.steps.push({ wire: { op: 'close', channel: this.channel }, party: this.party, label, command: '', traced: '' });
    this.meta.push({ label });
    return this;
  }
}

/** A response as the agent returned it, parsed (`ERR_TSM_RESPONSE_INVALID` when it is not a response APDU). */
export function responseOf(hex: Uint8Array, label: string): ResponseApdu {
  try {
    return parseResponse(hex);
  } catch (err) {
    throw new TsmError('ERR_TSM_RESPONSE_INVALID', `the answer to ${label} is not a response APDU`, { cause: err });
  }
}

/** The plain responses of a TSM's steps: secured ones checked (R-MAC) and deciphered, others as they came. */
export function unwrapAll(session: PipelineState | undefined, meta: readonly StepMeta[], responses: readonly ResponseApdu[]): ResponseApdu[] {
  return responses.map((r, i) => {
    const m = meta[i]!;
    if (!m.snapshot) return r;
    if (!session) throw new TsmError('ERR_TSM_SECURE_CHANNEL', `no session to check the answer to ${m.label}`);
    return unwrapResponse(session, m.snapshot, r);
  });
}
