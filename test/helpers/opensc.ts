import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PKCS11_MODULE, type PcscSession } from './pcsc.js';

/*
 * OpenSC and openssl inside a test pcscd's namespaces (pcsc.ts), as the card and secure element tests
 * drive them: a tool's exit status and output, pkcs15-tool's certificate listing read back, a
 * pkcs11-tool signature checked by `openssl dgst -sha256 -verify` with the certificate's public key.
 */

export interface ToolResult {
  readonly status: number | null;
  /** stdout then stderr. */
  readonly out: string;
}

export async function tool(session: PcscSession, cmd: string, ...args: string[]): Promise<ToolResult> {
  const r = await session.run(cmd, args);
  return { status: r.status, out: r.stdout + r.stderr };
}

export function pkcs11(session: PcscSession, ...args: string[]): Promise<ToolResult> {
  return tool(session, 'pkcs11-tool', '--module', PKCS11_MODULE, ...args);
}

/** A certificate as `pkcs15-tool --list-certificates` prints it. */
export interface ListedCertificate {
  readonly label: string;
  readonly path: string;
  readonly id: string;
  /** `Encoded serial` (the DER INTEGER, hex), printed only when OpenSC could read the certificate. */
  readonly serial?: string;
}

export function listedCertificates(out: string): ListedCertificate[] {
  return out
    .split(/(?=X\.509 Certificate \[)/)
    .filter((block) => block.startsWith('X.509 Certificate ['))
    .map((block) => {
      const label = /^X\.509 Certificate \[([^\]]+)\]/.exec(block)![1]!;
      const field = (name: string) => new RegExp(`${name}\\s*: ([^\\n]+)`).exec(block)?.[1]?.trim();
      const serial = field('Encoded serial')?.replace(/\s+/g, '');
      return { label, path: field('Path') ?? '', id: field('ID') ?? '', ...(serial ? { serial } : {}) };
    });
}

export function certificatePem(der: Uint8Array): string {
  return `-----BEGIN CERTIFICATE-----\n${Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END CERTIFICATE-----\n`;
}

export interface SignWithToken {
  readonly token: string;
  readonly pin: string;
  readonly id: string;
  /** File names in the session's directory. */
  readonly input: string;
  readonly output: string;
}

/** `pkcs11-tool --token-label … --login --pin … --sign --id … -m SHA256-RSA-PKCS`. */
export function pkcs11Sign(session: PcscSession, s: SignWithToken): Promise<ToolResult> {
  const file = (name: string) => join(session.dir, name);
  return pkcs11(session, '--token-label', s.token, '--login', '--pin', s.pin, '--sign', '--id', s.id, '-m', 'SHA256-RSA-PKCS', '--input-file', file(s.input), '--output-file', file(s.output));
}

/**
 * `openssl dgst -sha256 -verify` of a signature file over a data file with the public key of a
 * certificate (DER); the certificate and its key are written to the session's directory first.
 */
export async function opensslVerify(session: PcscSession, certificate: Uint8Array, signature: string, data: string): Promise<ToolResult> {
  const file = (name: string) => join(session.dir, name);
  const name = `cert-${Buffer.from(certificate.subarray(-8)).toString('hex')}`;
  writeFileSync(file(`${name}.pem`), certificatePem(certificate));
  const pub = await tool(session, 'openssl', 'x509', '-in', file(`${name}.pem`), '-pubkey', '-noout', '-out', file(`${name}-pub.pem`));
  if (pub.status !== 0) return pub;
  return tool(session, 'openssl', 'dgst', '-sha256', '-verify', file(`${name}-pub.pem`), '-signature', file(signature), file(data));
}
