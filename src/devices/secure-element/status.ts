import { fromHex } from '../../bytes/index.js';
import { Catalogue } from './catalogue.js';
import { InterfaceBit } from './constants.js';
import { decodeCplc } from './cplc.js';
import { lifeCycleName } from './life-cycle.js';
import { privilegeNames } from './privileges.js';
import { ISD_HEX } from './registry.js';
import type { SeState } from './state.js';

export interface KeySetSummary {
  readonly kvn: string;
  readonly type: string;
  readonly counter: number;
}

export interface EntrySummary {
  readonly kind: 'issuer security domain' | 'security domain' | 'application' | 'load file';
  readonly aid: string;
  readonly name?: string;
  readonly lifeCycle: string;
  readonly lifeCycleCode: string;
  readonly privileges?: { readonly code: string; readonly names: readonly string[] };
  readonly associatedDomain?: string;
  readonly loadFile?: string;
  readonly module?: string;
  readonly interfaces?: readonly string[];
  readonly version?: string;
  readonly modules?: readonly string[];
  /** Key sets of a domain: KVN, type and length, sequence counter (never a key). */
  readonly keySets?: readonly KeySetSummary[];
}

export interface ElementSummary {
  readonly profile: string;
  readonly card: {
    readonly lifeCycle: string;
    readonly iin: string;
    readonly cin: string;
    readonly kdd: string;
    readonly cplc: readonly { readonly name: string; readonly value: string }[];
  };
  readonly registry: readonly EntrySummary[];
}

function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}

/** The registry decoded for people: names of life cycles and privileges, no secret. */
export function summariseElement(state: SeState, catalogue = new Catalogue()): ElementSummary {
  const registry = state.registry.map((e): EntrySummary => {
    if (e.kind === 'load-file') {
      const pkg = catalogue.find(e.aid);
      return {
        kind: 'load file',
        aid: e.aid,
        ...(pkg ? { name: pkg.name } : {}),
        lifeCycle: lifeCycleName('load-file', e.lifeCycle),
        lifeCycleCode: hex2(e.lifeCycle),
        version: `${e.version[0]}.${e.version[1]}`,
        modules: e.modules,
        associatedDomain: e.sd,
      };
    }
    const isd = e.aid === ISD_HEX;
    const kind = isd ? 'issuer security domain' : e.domain ? 'security domain' : 'application';
    const module = e.loadFile && e.module ? catalogue.module(e.loadFile, e.module) : undefined;
    return {
      kind,
      aid: e.aid,
      ...(module ? { name: module.name } : {}),
      lifeCycle: lifeCycleName(isd ? 'card' : e.domain ? 'domain' : 'application', e.lifeCycle),
      lifeCycleCode: hex2(e.lifeCycle),
      privileges: { code: e.privileges, names: privilegeNames(fromHex(e.privileges)) },
      associatedDomain: e.sd,
      ...(e.loadFile ? { loadFile: e.loadFile, module: e.module! } : {}),
      interfaces: [...((e.interfaces & InterfaceBit.CONTACT) !== 0 ? ['contact'] : []), ...((e.interfaces & InterfaceBit.CONTACTLESS) !== 0 ? ['contactless'] : [])],
      ...(e.domain ? { keySets: e.domain.keySets.map((k) => ({ kvn: hex2(k.kvn), type: `AES-${(k.enc.length / 2) * 8}`, counter: k.counter })) } : {}),
    };
  });
  return {
    profile: state.profile,
    card: {
      lifeCycle: lifeCycleName('card', state.registry[0]!.lifeCycle),
      iin: state.card.iin,
      cin: state.card.cin,
      kdd: state.card.kdd,
      cplc: decodeCplc(fromHex(state.card.cplc)),
    },
    registry,
  };
}
