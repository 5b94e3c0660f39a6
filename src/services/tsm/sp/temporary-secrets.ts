/**
 * The temporary PIN and password the SP-TSM sets at issuance (flows.md 3.6), which the app replaces at
 * once with the user's own (VERIFY + CHANGE REFERENCE DATA): the PIN is 4 digits, the password 16 of
 * A-Z 0-9 (the longest the applet takes, jpki-ap.md 2), each character drawn uniformly by rejection.
 */
export interface TemporarySecrets {
  readonly pin: string;
  readonly password: string;
}

function draw(random: (n: number) => Uint8Array, alphabet: string, length: number): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const b of random(length * 2)) {
      if (b < limit && out.length < length) out += alphabet[b % alphabet.length];
    }
  }
  return out;
}

export function temporarySecrets(random: (n: number) => Uint8Array): TemporarySecrets {
  return { pin: draw(random, '0123456789', 4), password: draw(random, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 16) };
}
