/*
 * Privileges, GP Card Spec 6.6 and 11.1.2 (Tables 11-7 to 11-9): three bytes, numbered 0..23 from
 * b8 of byte 1. Some values are combinations: DAP Verification is b8+b7 of byte 1, Delegated
 * Management b8+b6, Mandated DAP b8+b7+b1 (each implies the Security Domain privilege).
 */

export interface PrivilegeDef {
  readonly name: string;
  readonly byte: 0 | 1 | 2;
  /** Bits that must all be set. */
  readonly mask: number;
}

export const PRIVILEGES = {
  SECURITY_DOMAIN: { name: 'Security Domain', byte: 0, mask: 0x80 },
  DAP_VERIFICATION: { name: 'DAP Verification', byte: 0, mask: 0xc0 },
  DELEGATED_MANAGEMENT: { name: 'Delegated Management', byte: 0, mask: 0xa0 },
  CARD_LOCK: { name: 'Card Lock', byte: 0, mask: 0x10 },
  CARD_TERMINATE: { name: 'Card Terminate', byte: 0, mask: 0x08 },
  CARD_RESET: { name: 'Card Reset', byte: 0, mask: 0x04 },
  CVM_MANAGEMENT: { name: 'CVM Management', byte: 0, mask: 0x02 },
  MANDATED_DAP: { name: 'Mandated DAP Verification', byte: 0, mask: 0xc1 },
  TRUSTED_PATH: { name: 'Trusted Path', byte: 1, mask: 0x80 },
  AUTHORIZED_MANAGEMENT: { name: 'Authorized Management', byte: 1, mask: 0x40 },
  TOKEN_VERIFICATION: { name: 'Token Verification', byte: 1, mask: 0x20 },
  GLOBAL_DELETE: { name: 'Global Delete', byte: 1, mask: 0x10 },
  GLOBAL_LOCK: { name: 'Global Lock', byte: 1, mask: 0x08 },
  GLOBAL_REGISTRY: { name: 'Global Registry', byte: 1, mask: 0x04 },
  FINAL_APPLICATION: { name: 'Final Application', byte: 1, mask: 0x02 },
  GLOBAL_SERVICE: { name: 'Global Service', byte: 1, mask: 0x01 },
  RECEIPT_GENERATION: { name: 'Receipt Generation', byte: 2, mask: 0x80 },
  CIPHERED_LOAD_FILE_DATA_BLOCK: { name: 'Ciphered Load File Data Block', byte: 2, mask: 0x40 },
  CONTACTLESS_ACTIVATION: { name: 'Contactless Activation', byte: 2, mask: 0x20 },
  CONTACTLESS_SELF_ACTIVATION: { name: 'Contactless Self-Activation', byte: 2, mask: 0x10 },
} as const satisfies Record<string, PrivilegeDef>;

export type PrivilegeName = keyof typeof PRIVILEGES;

/** The ISD's privileges (GP Card Spec 6.6.2; real cards and GPPro traces: `9AFE80`). */
export const ISD_PRIVILEGES = Uint8Array.of(0x9a, 0xfe, 0x80);

export function hasPrivilege(privileges: Uint8Array, which: PrivilegeName): boolean {
  const p = PRIVILEGES[which];
  return ((privileges[p.byte] ?? 0) & p.mask) === p.mask;
}

/**
 * Privileges as INSTALL carries them (GP Card Spec 11.5.2.3.2): 3 bytes, or 1 byte for backward
 * compatibility, completed with the defaults of Table 6-2 (a supplementary domain has Trusted Path,
 * an application nothing more). Returns undefined for another length.
 */
export function completePrivileges(raw: Uint8Array): Uint8Array | undefined {
  if (raw.length === 3) return new Uint8Array(raw);
  if (raw.length !== 1) return undefined;
  const sd = (raw[0]! & 0x80) !== 0;
  return Uint8Array.of(raw[0]!, sd ? 0x80 : 0x00, 0x00);
}

/**
 * Why a set of privileges cannot be granted by INSTALL here, or undefined when it can. GP Card Spec
 * 6.6.1 and 6.6.2: DAP, Delegated Management, Authorized Management need the Security Domain
 * privilege; AM excludes DM; DM excludes Token Verification and Receipt Generation. This element
 * also keeps Card Reset and Final Application with the ISD (one holder each, 6.6.2), and refuses what
 * it does not implement: DAP Verification, Mandated DAP, Ciphered Load File Data Block.
 */
export function privilegeProblem(p: Uint8Array): string | undefined {
  const sd = hasPrivilege(p, 'SECURITY_DOMAIN');
  const dm = (p[0]! & 0x20) !== 0;
  const dap = (p[0]! & 0x40) !== 0;
  if ((dm || dap) && !sd) return 'DAP Verification and Delegated Management need the Security Domain privilege';
  if (hasPrivilege(p, 'AUTHORIZED_MANAGEMENT') && !sd) return 'Authorized Management needs the Security Domain privilege';
  if (dm && hasPrivilege(p, 'AUTHORIZED_MANAGEMENT')) return 'Authorized and Delegated Management are mutually exclusive';
  if (dm && (hasPrivilege(p, 'TOKEN_VERIFICATION') || hasPrivilege(p, 'RECEIPT_GENERATION'))) return 'Delegated Management excludes Token Verification and Receipt Generation';
  if (hasPrivilege(p, 'CARD_RESET') || hasPrivilege(p, 'FINAL_APPLICATION')) return 'Card Reset and Final Application stay with the ISD';
  if (dap || (p[0]! & 0x01) !== 0) return 'DAP verification is not implemented';
  if (hasPrivilege(p, 'CIPHERED_LOAD_FILE_DATA_BLOCK')) return 'ciphered load files are not implemented';
  if ((p[2]! & 0x0f) !== 0) return 'RFU bits of privilege byte 3 are set';
  return undefined;
}

/** The names of the privileges set, for people (`se status`). DM and DAP are reported as such, not as their bits. */
export function privilegeNames(p: Uint8Array): string[] {
  const names: string[] = [];
  for (const [key, def] of Object.entries(PRIVILEGES) as [PrivilegeName, PrivilegeDef][]) {
    if (!hasPrivilege(p, key)) continue;
    if (key === 'DAP_VERIFICATION' && hasPrivilege(p, 'MANDATED_DAP')) continue;
    names.push(def.name);
  }
  return names;
}
