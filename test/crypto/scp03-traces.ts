import type { CommandApdu, ResponseApdu } from '../../src/apdu/index.js';
import { parseCommand } from '../../src/apdu/index.js';
import { fromHex } from '../../src/bytes/index.js';
import { scp03KeySet, type Scp03KeySet, type SecurityLevel } from '../../src/crypto/index.js';
import { vectorJson } from '../helpers/vectors.js';

interface RawKeySet {
  kvn: string;
  enc: string;
  mac: string;
  dek: string;
}
interface RawSession {
  name: string;
  keySet: string;
  level: string;
  initializeUpdate: string;
  initializeUpdateResponse: string;
  sessionKeys: Partial<Record<'sEnc' | 'sMac' | 'sRmac', string>>;
  externalAuthenticate: string;
  chainingAfterExternalAuthenticate?: string;
  getEid: string;
  chainingAfterGetEid?: string;
  getEidResponse: string;
  cases: string[];
}
interface RawFile {
  sdAid: string;
  i: string;
  plain: { getEid: string; getEidResponse: string; cases: string[] };
  keySets: Record<string, RawKeySet>;
  sessions: RawSession[];
}

/** One real-card SCP03 session of gp-scp03.md section 2.4, decoded for the tests. */
export interface Trace {
  name: string;
  keys: Scp03KeySet;
  level: SecurityLevel;
  sdAid: Uint8Array;
  i: number;
  hostChallenge: Uint8Array;
  sequenceCounter: number;
  raw: RawSession;
  /** The plain commands, in the order they were wrapped: GET EID, then cases 1 to 4. */
  plainCommands: CommandApdu[];
  /** The wrapped commands as sent on the wire, same order. */
  wireCommands: CommandApdu[];
  plainGetEidResponse: ResponseApdu;
  wireGetEidResponse: ResponseApdu;
}

const file = vectorJson<RawFile>('scp03-sessions.json');

export const traces: Trace[] = file.sessions.map((s) => {
  const k = file.keySets[s.keySet]!;
  const iuResponse = fromHex(s.initializeUpdateResponse);
  return {
    name: s.name,
    keys: scp03KeySet(parseInt(k.kvn, 16), fromHex(k.enc), fromHex(k.mac), fromHex(k.dek)),
    level: parseInt(s.level, 16) as SecurityLevel,
    sdAid: fromHex(file.sdAid),
    i: parseInt(file.i, 16),
    hostChallenge: parseCommand(fromHex(s.initializeUpdate)).data,
    sequenceCounter: (iuResponse[29]! << 16) | (iuResponse[30]! << 8) | iuResponse[31]!,
    raw: s,
    plainCommands: [file.plain.getEid, ...file.plain.cases].map((h) => parseCommand(fromHex(h))),
    wireCommands: [s.getEid, ...s.cases].map((h) => parseCommand(fromHex(h))),
    plainGetEidResponse: { data: fromHex(file.plain.getEidResponse), sw: 0x9000 },
    wireGetEidResponse: { data: fromHex(s.getEidResponse), sw: 0x9000 },
  };
});
