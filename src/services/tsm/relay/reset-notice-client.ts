import { concat, toHex } from '../../../bytes/index.js';
import { AID } from '../aids.js';
import { TsmError } from '../errors.js';
import { resetNoticeChallenge, type ResetNoticeAnswer } from '../reset-notice.js';
import type { SeChannels } from './channels.js';
import { readCplc, RelayClient, RelayRefusal, type RelayClientOptions, type RelayOutcome } from './client.js';

/** A factory reset as the phone recorded it (the phone's `ResetNotice`). */
export interface ResetNoticeRecord {
  readonly id: string;
  readonly deviceId: string;
  readonly resetAt: string;
}

export interface DeliveredNotice {
  readonly answer: ResetNoticeAnswer;
  /** The clean-up session the agent ran at once, when the SEI-TSM opened one. */
  readonly cleanup?: RelayOutcome;
}

/** INITIALIZE UPDATE on the ISD with the notice's host challenge: the element's answer is the proof. */
async function proofOf(channels: SeChannels, hostChallenge: Uint8Array): Promise<Uint8Array> {
  const { channel, selectResponse } = await channels.open(AID.ISD);
  const sw = toHex(selectResponse.subarray(selectResponse.length - 2));
  if (sw !== '9000') throw new TsmError('ERR_TSM_RELAY_CHANNEL', `SELECT ISD answered ${sw}`);
  try {
    const r = await channel.transmit(concat(Uint8Array.of(0x80, 0x50, 0x00, 0x00, 0x08), hostChallenge, Uint8Array.of(0x00)));
    if (r.length < 2 || r[r.length - 2] !== 0x90 || r[r.length - 1] !== 0x00) throw new TsmError('ERR_TSM_RELAY_CHANNEL', `INITIALIZE UPDATE answered ${toHex(r.subarray(r.length - 2))}`);
    return r;
  } finally {
    await channel.close();
  }
}

/**
 * What the phone's OS SE agent does with a factory-reset notice (flow 10; docs/services/tsm-orders.md
 * "Factory reset"): reads the CPLC, has the ISD answer INITIALIZE UPDATE with the notice's hash as host
 * challenge (the proof), posts `POST /tsm/v1/reset-notices`, and runs the clean-up session the SEI-TSM
 * opens in answer (it deletes the JPKI applet, its security domain and the load file through SCP03 with
 * the ISD), with the one-session credential of the answer. A refusal is a `RelayRefusal`; no answer is
 * `ERR_TSM_RELAY_NETWORK`. Sending the same notice again is harmless: the server answers it the same,
 * with a new clean-up session while the element still waits for one.
 */
export async function deliverResetNotice(
  options: Pick<RelayClientOptions, 'baseUrl' | 'channels' | 'fetch' | 'retry' | 'sleep'> & { readonly notice: ResetNoticeRecord },
): Promise<DeliveredNotice> {
  const { notice, channels } = options;
  const cplc = await readCplc(channels);
  const proof = await proofOf(channels, resetNoticeChallenge({ noticeId: notice.id, deviceId: notice.deviceId, resetAt: notice.resetAt, cplc }));
  const doFetch = options.fetch ?? fetch;
  let res: Response;
  let body: Record<string, unknown>;
  try {
    res = await doFetch(`${options.baseUrl.replace(/\/$/, '')}/tsm/v1/reset-notices`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ noticeId: notice.id, deviceId: notice.deviceId, resetAt: notice.resetAt, cplc: toHex(cplc), proof: toHex(proof) }),
      signal: AbortSignal.timeout(30_000),
    });
    body = (await res.json()) as Record<string, unknown>;
  } catch (cause) {
    throw new TsmError('ERR_TSM_RELAY_NETWORK', 'the reset notice got no answer', { cause });
  }
  if (res.status !== 200 && res.status !== 201) throw new RelayRefusal(res.status, String(body.code), String(body.detail));
  const answer = body as unknown as ResetNoticeAnswer;
  if (!answer.cleanup) return { answer };
  const client = new RelayClient({ ...options, appInstanceId: '', credential: answer.cleanup.credential });
  return { answer, cleanup: await client.resume(answer.cleanup.sessionId) };
}
