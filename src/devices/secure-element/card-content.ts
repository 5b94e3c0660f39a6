import { SW, throwSw, type CommandApdu, type ResponseApdu } from '../../apdu/index.js';
import { bytesEqual, toHex } from '../../bytes/index.js';
import { Catalogue } from './catalogue.js';
import { AppLifeCycle, ARA_M_AID, InterfaceBit, LOADED, MAX_LOAD_FILE } from './constants.js';
import { acceptingDomain, requireContentManagement, self, type DomainContext } from './domain-session.js';
import {
  checkLoadParameters,
  checkMakeSelectableParameters,
  parseInstallForExtradition,
  parseInstallForInstall,
  parseInstallForLoad,
  parseInstallForMakeSelectable,
  parseInstallForPersonalization,
  parseInstallParameters,
} from './install.js';
import { isLocked } from './life-cycle.js';
import { dataBlockHash, hashHex, isImageOf, parseLoadFile, parsePackageImage } from './load-file.js';
import { completePrivileges, hasPrivilege, privilegeProblem } from './privileges.js';
import { associatedWith, draftApplication, entryHas, findApplication, findEntry, findLoadFile, instancesOf, isDomain, ISD_HEX } from './registry.js';
import { SecureElementError } from './errors.js';
import type { ApplicationEntry, Hex, LoadFileEntry, RegistryEntry } from './state.js';

/*
 * Card content management through a security domain (GP Card Spec 9.3-9.5, 11.2, 11.5, 11.6):
 * INSTALL in its roles, LOAD, DELETE of content. Every handler checks first, then changes the draft
 * in one step, so a refused command changes nothing.
 */

/** Most card content commands answer a single '00' byte (GP Card Spec 11.2.3.1, 11.5.3.1, 11.6.3.1). */
const DONE: ResponseApdu = { data: Uint8Array.of(0x00), sw: SW.SUCCESS };
const ARA_M_HEX = toHex(ARA_M_AID);

function noToken(token: Uint8Array): void {
  // GP Card Spec 11.5.2.3.1: with Authorized Management and the off-card entity authenticated as the
  // domain's provider, "an error status shall be returned if a Load Token is present".
  if (token.length > 0) throwSw(SW.INCORRECT_DATA, 'tokens are for Delegated Management, which is not implemented');
}

/** INSTALL, GP Card Spec 11.5: P1 gives the role; chaining (b8) and the combined process (P2) are not supported. */
export function install(ctx: DomainContext, command: CommandApdu): ResponseApdu {
  if (command.p2 !== 0x00 || (command.p1 & 0x80) !== 0) throwSw(SW.INCORRECT_P1P2, 'INSTALL chaining and the combined load-install process are not supported');
  switch (command.p1) {
    case 0x02:
      return installForLoad(ctx, command.data);
    case 0x04:
    case 0x0c:
      return installForInstall(ctx, command.data, command.p1 === 0x0c);
    case 0x08:
      return installForMakeSelectable(ctx, command.data);
    case 0x10:
      return installForExtradition(ctx, command.data);
    case 0x20:
      return installForPersonalization(ctx, command.data);
    default:
      return throwSw(SW.INCORRECT_P1P2, 'INSTALL [for registry update] and other roles are not supported');
  }
}

/**
 * INSTALL [for load] (9.3.5): the load file AID must be new; the load file goes to the domain
 * performing the load or, named in the command, to a domain of its hierarchy that is PERSONALIZED. The
 * Load File Data Block hash is optional; when given it is SHA-256 (32 bytes), checked at the last LOAD.
 */
function installForLoad(ctx: DomainContext, data: Uint8Array): ResponseApdu {
  const me = requireContentManagement(ctx);
  const request = parseInstallForLoad(data);
  noToken(request.token);
  checkLoadParameters(request.parameters);
  if (request.hash && request.hash.length !== 32) throwSw(SW.INCORRECT_DATA, 'the Load File Data Block hash is SHA-256');
  const state = ctx.core.tx.state;
  if (findEntry(state, request.loadFile)) throwSw(SW.INCORRECT_DATA, `${request.loadFile} is registered already`);
  const sd = request.sd ?? me.aid;
  if (sd !== me.aid) {
    const target = acceptingDomain(ctx, sd);
    if (!associatedWith(state, target, me.aid)) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${sd} is not in the hierarchy of ${me.aid}`);
  }
  ctx.session.load = { loadFile: request.loadFile, sd, hash: request.hash, nextBlock: 0, size: 0, blocks: [] };
  return DONE;
}

/**
 * LOAD (11.6): blocks numbered from '00' in strict sequence, P1 b8 marks the last. A wrong number or
 * too much data ends the load. At the last block the Load File is parsed (GP Card Spec Table 11-58:
 * 'C4' only; DAP blocks and ciphered blocks are refused) and its data block must be the package image
 * of a catalogue package with the announced AID, and match the INSTALL [for load] hash: '6A80'
 * otherwise. Then the load file and its modules enter the registry.
 */
export function load(ctx: DomainContext, command: CommandApdu): ResponseApdu {
  requireContentManagement(ctx);
  const loading = ctx.session.load ?? throwSw(SW.CONDITIONS_NOT_SATISFIED, 'LOAD without INSTALL [for load]');
  if (command.p2 !== loading.nextBlock) {
    ctx.session.load = undefined;
    throwSw(SW.INCORRECT_P1P2, `LOAD block ${command.p2} where ${loading.nextBlock} was expected`);
  }
  if (loading.size + command.data.length > MAX_LOAD_FILE) {
    ctx.session.load = undefined;
    throwSw(SW.NOT_ENOUGH_MEMORY, `load files are at most ${MAX_LOAD_FILE} bytes`);
  }
  loading.blocks.push(new Uint8Array(command.data));
  loading.size += command.data.length;
  loading.nextBlock++;
  if ((command.p1 & 0x80) === 0) {
    if (loading.nextBlock > 0xff) {
      ctx.session.load = undefined;
      throwSw(SW.INCORRECT_P1P2, 'block FF must be the last');
    }
    return DONE;
  }
  ctx.session.load = undefined;
  const whole = new Uint8Array(loading.size);
  let at = 0;
  for (const b of loading.blocks) {
    whole.set(b, at);
    at += b.length;
  }
  let dataBlock: Uint8Array;
  let imageAid: Hex;
  try {
    const parsed = parseLoadFile(whole);
    if (parsed.dapBlocks > 0) throwSw(SW.INCORRECT_DATA, 'DAP verification is not implemented');
    dataBlock = parsed.dataBlock;
    imageAid = toHex(parsePackageImage(dataBlock).aid);
  } catch (err) {
    if (err instanceof SecureElementError) throwSw(SW.INCORRECT_DATA, err.message);
    throw err;
  }
  if (imageAid !== loading.loadFile) throwSw(SW.INCORRECT_DATA, `the load file is package ${imageAid}, INSTALL announced ${loading.loadFile}`);
  const pkg = ctx.core.catalogue.find(imageAid) ?? throwSw(SW.INCORRECT_DATA, `package ${imageAid} is not in the element's catalogue`);
  if (!isImageOf(dataBlock, pkg)) throwSw(SW.INCORRECT_DATA, `the data block is not the image of package ${imageAid} (hash differs)`);
  if (loading.hash && !bytesEqual(loading.hash, dataBlockHash(dataBlock))) throwSw(SW.INCORRECT_DATA, 'the Load File Data Block hash does not match');
  const state = ctx.core.tx.state;
  if (findEntry(state, loading.loadFile)) throwSw(SW.INCORRECT_DATA, `${loading.loadFile} was registered meanwhile`);
  const modules = pkg.modules.map((m) => toHex(m.aid));
  if (state.registry.some((e) => e.kind === 'load-file' && e.modules.some((m) => modules.includes(m)))) throwSw(SW.INCORRECT_DATA, 'a module AID of the package is registered already');
  acceptingDomain(ctx, loading.sd);
  const entry: LoadFileEntry = {
    kind: 'load-file',
    aid: loading.loadFile,
    lifeCycle: LOADED,
    version: [pkg.version[0], pkg.version[1]],
    modules,
    sd: loading.sd,
    hash: hashHex(dataBlock),
  };
  ctx.core.tx.change((draft) => {
    draft.registry.push({ ...entry, modules: [...modules], version: [entry.version[0], entry.version[1]] });
  });
  return DONE;
}

/** JSON data as it will be saved (so memory and file never differ). */
function asJson(data: unknown): unknown {
  return data === undefined ? null : (JSON.parse(JSON.stringify(data)) as unknown);
}

/**
 * INSTALL [for install] and [for install and make selectable] (9.3.6): the load file and module must
 * be registered ('6A88'), the instance AID free ('6A80'), the privileges grantable ('6A80'); the
 * module decides whether it makes a security domain (which needs the Security Domain privilege). A
 * security domain is associated with the domain installing it; an application with the domain of
 * its load file, which accepts installations by itself only ('6985' otherwise). The module checks the
 * application parameters ('C9') and gives the initial data.
 */
function installForInstall(ctx: DomainContext, data: Uint8Array, makeSelectable: boolean): ResponseApdu {
  const me = requireContentManagement(ctx);
  const request = parseInstallForInstall(data);
  if (request.loadFile === undefined || request.module === undefined) throwSw(SW.INCORRECT_DATA, 'INSTALL [for install] names the load file and the module');
  noToken(request.token);
  const state = ctx.core.tx.state;
  const loadFile = findLoadFile(state, request.loadFile) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no load file ${request.loadFile}`);
  if (!loadFile.modules.includes(request.module)) throwSw(SW.REFERENCED_DATA_NOT_FOUND, `load file ${request.loadFile} has no module ${request.module}`);
  if (findEntry(state, request.aid)) throwSw(SW.INCORRECT_DATA, `${request.aid} is registered already`);
  const privileges = completePrivileges(request.privileges)!;
  const problem = privilegeProblem(privileges);
  if (problem) throwSw(SW.INCORRECT_DATA, problem);
  const domain = Catalogue.isDomainModule(request.module);
  if (domain !== hasPrivilege(privileges, 'SECURITY_DOMAIN')) throwSw(SW.INCORRECT_DATA, 'the Security Domain privilege goes with the security domain module, and only with it');
  const parameters = parseInstallParameters(request.parameters);
  const interfaces = parameters.interfaces ?? InterfaceBit.CONTACT;
  if (domain && interfaces !== InterfaceBit.CONTACT) throwSw(SW.INCORRECT_DATA, 'security domains are available on the contact interface only');
  if (request.aid === ARA_M_HEX && (interfaces & InterfaceBit.CONTACTLESS) !== 0) throwSw(SW.INCORRECT_DATA, 'the ARA-M is never available on the contactless interface');
  if (!domain && loadFile.sd !== me.aid) throwSw(SW.CONDITIONS_NOT_SATISFIED, `load file ${loadFile.aid} belongs to ${loadFile.sd}, which accepts installations by itself only`);
  const module = ctx.core.catalogue.module(loadFile.aid, request.module) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `module ${request.module} is not in the catalogue`);
  const initial = asJson(module.initialData(parameters.application));
  const entry: ApplicationEntry = {
    kind: 'application',
    aid: request.aid,
    serial: state.nextSerial,
    lifeCycle: makeSelectable ? AppLifeCycle.SELECTABLE : AppLifeCycle.INSTALLED,
    privileges: toHex(privileges),
    loadFile: loadFile.aid,
    module: request.module,
    sd: domain ? me.aid : loadFile.sd,
    interfaces,
    data: domain ? null : initial,
    ...(domain ? { domain: { keySets: [] } } : {}),
  };
  ctx.core.tx.change((draft) => {
    draft.registry.push(structuredClone(entry) as (typeof draft.registry)[number]);
    draft.nextSerial++;
  });
  return DONE;
}

/** INSTALL [for make selectable] (9.3.7): an INSTALLED application of the domain's hierarchy becomes SELECTABLE. */
function installForMakeSelectable(ctx: DomainContext, data: Uint8Array): ResponseApdu {
  const me = requireContentManagement(ctx);
  const request = parseInstallForMakeSelectable(data);
  noToken(request.token);
  checkMakeSelectableParameters(request.parameters);
  const state = ctx.core.tx.state;
  const app = findApplication(state, request.aid) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no application ${request.aid}`);
  if (!associatedWith(state, app, me.aid)) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${app.aid} is not in the hierarchy of ${me.aid}`);
  if (app.lifeCycle !== AppLifeCycle.INSTALLED) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${app.aid} is not INSTALLED`);
  ctx.core.tx.change((draft) => {
    draftApplication(draft, app.aid)!.lifeCycle = AppLifeCycle.SELECTABLE;
  });
  return DONE;
}

/**
 * INSTALL [for extradition] (9.4.1): the domain currently associated with an application or load
 * file (the one processing the command) hands it to another domain, present, not LOCKED, PERSONALIZED
 * or the ISD. A domain cannot be handed into its own hierarchy.
 */
function installForExtradition(ctx: DomainContext, data: Uint8Array): ResponseApdu {
  const me = requireContentManagement(ctx);
  const request = parseInstallForExtradition(data);
  noToken(request.token);
  checkMakeSelectableParameters(request.parameters);
  const state = ctx.core.tx.state;
  const target = findEntry(state, request.target) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no ${request.target}`);
  if (target.aid === ISD_HEX) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the ISD is associated with itself');
  if (target.sd !== me.aid) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${target.aid} is not associated with ${me.aid}`);
  const destination = acceptingDomain(ctx, request.sd);
  if (destination.aid === target.aid || associatedWith(state, destination, target.aid)) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'a domain cannot be extradited into its own hierarchy');
  ctx.core.tx.change((draft) => {
    const e = draft.registry.find((x) => x.aid === target.aid)!;
    e.sd = destination.aid;
  });
  return DONE;
}

/**
 * INSTALL [for personalization] (7.3.2, 11.11.1): the STORE DATA commands that follow go to an
 * application directly associated with this domain and not LOCKED, which must take personalization
 * data (a `personalize` method, or a security domain taking its keys).
 */
function installForPersonalization(ctx: DomainContext, data: Uint8Array): ResponseApdu {
  const me = self(ctx);
  const aid = parseInstallForPersonalization(data);
  const state = ctx.core.tx.state;
  const app = findApplication(state, aid) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no application ${aid}`);
  if (app.sd !== me.aid || app.aid === me.aid) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${aid} is not associated with ${me.aid}`);
  if (isLocked(app.lifeCycle)) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${aid} is LOCKED`);
  if (!isDomain(app) && !ctx.core.instance(aid, ctx.iface)?.personalize) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${aid} takes no personalization data`);
  ctx.session.perso = { target: aid, nextBlock: 0 };
  return DONE;
}

/**
 * DELETE of card content (9.5, 11.2): P2 '00' the object, '80' the object and its related objects (a
 * load file with every application installed from it). Refused with '6985' when the domain may not
 * (not associated and no Global Delete), when an application is selected on another channel, when
 * something still refers to what would go (a load file with instances, a domain with associated
 * content), and for the ISD. '6A88' when there is no such object.
 */
export function deleteContent(ctx: DomainContext, aid: Hex, related: boolean): ResponseApdu {
  const me = requireContentManagement(ctx);
  const state = ctx.core.tx.state;
  const target = findEntry(state, aid) ?? throwSw(SW.REFERENCED_DATA_NOT_FOUND, `no ${aid}`);
  if (target.aid === ISD_HEX) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'the ISD cannot be deleted');
  const going: RegistryEntry[] = [target];
  if (target.kind === 'load-file') {
    const instances = instancesOf(state, target.aid);
    if (instances.length > 0 && !related) throwSw(SW.CONDITIONS_NOT_SATISFIED, `load file ${target.aid} has ${instances.length} application(s)`);
    going.push(...instances);
  }
  const ids = new Set(going.map((e) => e.aid));
  const global = entryHas(me, 'GLOBAL_DELETE');
  for (const e of going) {
    if (e.aid === me.aid) throwSw(SW.CONDITIONS_NOT_SATISFIED, 'a domain does not delete itself');
    if (!global && !associatedWith(state, e, me.aid)) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${e.aid} is not in the hierarchy of ${me.aid}`);
    if (e.kind === 'application') {
      if (ctx.core.selectedElsewhere(e.aid, { iface: ctx.iface, channel: ctx.channel })) throwSw(SW.CONDITIONS_NOT_SATISFIED, `${e.aid} is selected on another channel`);
      if (isDomain(e) && state.registry.some((x) => x.sd === e.aid && !ids.has(x.aid))) throwSw(SW.CONDITIONS_NOT_SATISFIED, `security domain ${e.aid} still has associated content`);
    }
  }
  ctx.core.tx.change((draft) => {
    draft.registry = draft.registry.filter((e) => !ids.has(e.aid));
  });
  return DONE;
}
