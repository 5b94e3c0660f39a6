/**
 * Where a secret shows in what a party sees (test helper, no test of its own): a JSON-like value (session
 * documents, traces, data files) or plain text (CLI output). A secret shows when a string holds it as a
 * word of its own (split at anything but letters, digits, ':' and '-', so a 4-digit PIN is not found inside
 * a date or a serial number), or, for secrets of 8 characters or more, anywhere, as text or as the hex of
 * its ASCII. `extraHex` adds encodings to look for anywhere (e.g. a PIN in its SET REFERENCE DATA TLV,
 * `8004` followed by its ASCII in hex). Returns the paths where it shows.
 */
export function leaksOf(value: unknown, secret: string, extraHex: readonly string[] = []): string[] {
  const hex = Buffer.from(secret, 'utf8').toString('hex').toUpperCase();
  const anywhere = [...(secret.length >= 8 ? [secret, hex] : []), ...extraHex.map((x) => x.toUpperCase())];
  const found: string[] = [];
  const visit = (v: unknown, path: string): void => {
    if (typeof v === 'string') {
      const upper = v.toUpperCase();
      if (v.split(/[^0-9A-Za-z:-]+/).includes(secret) || anywhere.some((a) => v.includes(a) || upper.includes(a.toUpperCase()))) found.push(path);
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${path}[${i}]`));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) visit(x, `${path}.${k}`);
    }
  };
  visit(value, '$');
  return found;
}

/** The SET REFERENCE DATA form of a PIN or password in an APDU (tag 80, its length, its ASCII), in hex. */
export function referenceDataHex(secret: string): string {
  return `80${secret.length.toString(16).padStart(2, '0')}${Buffer.from(secret, 'utf8').toString('hex')}`.toUpperCase();
}
