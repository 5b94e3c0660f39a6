import { SW, throwSw } from '../../apdu/index.js';
import { bytesEqual, fromHex } from '../../bytes/index.js';
import { decodeTlvList, encodeTlv, tlv, TlvError, type Tlv } from '../../tlv/index.js';
import { associatedWith, entryHas, ISD_HEX } from './registry.js';
import type { ApplicationEntry, Hex, LoadFileEntry, SeState } from './state.js';

/*
 * GET STATUS, GP Card Spec 11.4: P1 '80' the ISD, '40' applications and supplementary domains, '20'
 * load files, '10' load files and their modules; P2 '02' first (or all), '03' next; data '4F' AID
 * (empty: everything; otherwise every entry whose AID starts with it, so a RID finds all its AIDs),
 * other criteria ignored, optional '5C' tag list. Each entry is an 'E3' template (Tables 11-36 and
 * 11-37); a response holds whole templates, and '6310' says more follow.
 */

export const GetStatusP1 = { ISD: 0x80, APPLICATIONS: 0x40, LOAD_FILES: 0x20, LOAD_FILES_AND_MODULES: 0x10 } as const;

export interface StatusQuery {
  readonly prefix: Uint8Array;
  /** The tag list ('5C'), when given. */
  readonly tags: readonly number[] | undefined;
}

function bad(why: string): never {
  return throwSw(SW.INCORRECT_DATA, `GET STATUS data: ${why}`);
}

/** The tags of a '5C' tag list (BER tag encoding: a first byte xxx11111 continues). */
function tagList(value: Uint8Array): number[] {
  const tags: number[] = [];
  for (let at = 0; at < value.length; ) {
    let tag = value[at++]!;
    if ((tag & 0x1f) === 0x1f) {
      if (at >= value.length) bad('tag list ends inside a tag');
      tag = (tag << 8) | value[at++]!;
    }
    tags.push(tag);
  }
  return tags;
}

export function parseStatusQuery(data: Uint8Array): StatusQuery {
  let items: Tlv[];
  try {
    items = decodeTlvList(data, { maxDepth: 2 });
  } catch (err) {
    if (err instanceof TlvError) bad('not BER-TLV');
    throw err;
  }
  const aid = items[0];
  if (aid?.tag !== 0x4f) bad('the first search criterion is the AID (4F)');
  if (aid.value.length > 16) bad('an AID is at most 16 bytes');
  const list = items.filter((t) => t.tag === 0x5c);
  if (list.length > 1) bad('two tag lists');
  return { prefix: new Uint8Array(aid.value), tags: list[0] ? tagList(list[0].value) : undefined };
}

function pick(fields: Tlv[], tags: readonly number[] | undefined): Tlv {
  return tlv(0xe3, tags ? fields.filter((f) => tags.includes(f.tag)) : fields);
}

function applicationTemplate(e: ApplicationEntry, state: SeState, tags: readonly number[] | undefined): Uint8Array {
  const fields = [tlv(0x4f, fromHex(e.aid)), tlv(0x9f70, Uint8Array.of(e.aid === ISD_HEX ? state.registry[0]!.lifeCycle : e.lifeCycle)), tlv(0xc5, fromHex(e.privileges))];
  if (e.loadFile !== null) fields.push(tlv(0xc4, fromHex(e.loadFile)));
  if (e.aid !== ISD_HEX) fields.push(tlv(0xcc, fromHex(e.sd)));
  return encodeTlv(pick(fields, tags));
}

function loadFileTemplate(e: LoadFileEntry, modules: boolean, tags: readonly number[] | undefined): Uint8Array {
  const fields = [tlv(0x4f, fromHex(e.aid)), tlv(0x9f70, Uint8Array.of(e.lifeCycle)), tlv(0xce, Uint8Array.of(e.version[0], e.version[1]))];
  if (modules) for (const m of e.modules) fields.push(tlv(0x84, fromHex(m)));
  fields.push(tlv(0xcc, fromHex(e.sd)));
  return encodeTlv(pick(fields, tags));
}

/**
 * The 'E3' templates a domain may report, in registry order. The search covers the entries directly
 * or indirectly associated with the requesting domain, or all with the Global Registry privilege
 * (11.4.2.3); P1 '80' needs the ISD or Global Registry ('6A86' otherwise). '6A88' when nothing matches.
 */
export function statusTemplates(state: SeState, requester: ApplicationEntry, p1: number, query: StatusQuery): Uint8Array[] {
  const global = requester.aid === ISD_HEX || entryHas(requester, 'GLOBAL_REGISTRY');
  const visible = (aid: Hex, entry: (typeof state.registry)[number]) => global || associatedWith(state, entry, requester.aid) || aid === requester.aid;
  const matches = (aid: Hex) => {
    const bytes = fromHex(aid);
    return bytes.length >= query.prefix.length && bytesEqual(bytes.subarray(0, query.prefix.length), query.prefix);
  };
  let out: Uint8Array[];
  switch (p1) {
    case GetStatusP1.ISD:
      if (!global) throwSw(SW.INCORRECT_P1P2, 'only the ISD or a domain with Global Registry reports the ISD');
      out = [applicationTemplate(state.registry[0] as ApplicationEntry, state, query.tags)];
      break;
    case GetStatusP1.APPLICATIONS:
      out = state.registry
        .filter((e): e is ApplicationEntry => e.kind === 'application' && e.aid !== ISD_HEX && visible(e.aid, e) && matches(e.aid))
        .map((e) => applicationTemplate(e, state, query.tags));
      break;
    case GetStatusP1.LOAD_FILES:
    case GetStatusP1.LOAD_FILES_AND_MODULES:
      out = state.registry
        .filter((e): e is LoadFileEntry => e.kind === 'load-file' && visible(e.aid, e) && matches(e.aid))
        .map((e) => loadFileTemplate(e, p1 === GetStatusP1.LOAD_FILES_AND_MODULES, query.tags));
      break;
    default:
      return throwSw(SW.INCORRECT_P1P2, 'GET STATUS P1 is 80, 40, 20 or 10');
  }
  if (out.length === 0) throwSw(SW.REFERENCED_DATA_NOT_FOUND, 'no entry matches');
  return out;
}

/**
 * Response data fits 256 bytes after R-MAC and R-ENC (pad to 16 plus an 8-byte MAC: 239 bytes of
 * plain data at most; GP Card Spec 11.1.5). Whole templates only.
 */
export const MAX_PLAIN_RESPONSE = 239;

/** The templates that fit one response, and the rest. */
export function page(templates: readonly Uint8Array[], budget = MAX_PLAIN_RESPONSE): { readonly taken: Uint8Array[]; readonly rest: Uint8Array[] } {
  const taken: Uint8Array[] = [];
  let size = 0;
  let i = 0;
  for (; i < templates.length; i++) {
    const t = templates[i]!;
    if (taken.length > 0 && size + t.length > budget) break;
    taken.push(t);
    size += t.length;
  }
  return { taken, rest: templates.slice(i) };
}
