// A Node process using the project's PC/SC client, for the namespace tests: run inside the
// namespaces of a test pcscd (test/helpers/pcsc.ts), it reads a JSON list of steps from stdin (so
// that PINs never appear in a process list), performs them through pcscd and prints one JSON array of
// results. A failing step records its error code, status word and tries left, and the next step runs.
// Without the --steps-on-stdin flag it does nothing (node --test loads every file under test/).
import { StatusWordError } from '../../../src/apdu/index.js';
import { JpkiMobileError } from '../../../src/errors/index.js';
import { JpkiApClient, JpkiApError, listReaders, PcscCard, type CertificateName, type KeyName, type SecretName } from '../../../src/transports/index.js';

export type Step =
  | { op: 'readers' }
  | { op: 'connect'; reader?: string }
  | { op: 'label' }
  | { op: 'cert'; which: CertificateName }
  | { op: 'tries'; which: SecretName }
  | { op: 'verify'; which: SecretName; value: string }
  | { op: 'sign'; key: KeyName; dataHex: string }
  | { op: 'close' };

export type StepResult =
  | { op: string; ok: true; value: unknown }
  | { op: string; ok: false; code: string; sw?: string; triesLeft?: number; message: string };

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex').toUpperCase();

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const steps = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Step[];
  let card: PcscCard | undefined;
  let client: JpkiApClient | undefined;
  const need = (): JpkiApClient => {
    if (!client) throw new Error('connect first');
    return client;
  };
  const results: StepResult[] = [];
  for (const step of steps) {
    try {
      let value: unknown = null;
      switch (step.op) {
        case 'readers':
          value = (await listReaders()).map((r) => ({ name: r.name, cardPresent: r.cardPresent, atr: hex(r.atr) }));
          break;
        case 'connect':
          card = await PcscCard.connect(step.reader === undefined ? {} : { reader: step.reader });
          client = new JpkiApClient(card);
          value = { reader: card.reader, atr: hex(card.atr), protocol: card.protocol };
          break;
        case 'label':
          value = await need().tokenLabel();
          break;
        case 'cert':
          value = hex(await need().readCertificate(step.which));
          break;
        case 'tries':
          value = (await need().triesLeft(step.which)) ?? null;
          break;
        case 'verify':
          await need().verify(step.which, step.value);
          break;
        case 'sign':
          value = hex(await need().signSha256(step.key, Buffer.from(step.dataHex, 'hex')));
          break;
        case 'close':
          card?.close();
          card = undefined;
          client = undefined;
          break;
      }
      results.push({ op: step.op, ok: true, value });
    } catch (err) {
      const sw = err instanceof StatusWordError || err instanceof JpkiApError ? err.sw : undefined;
      results.push({
        op: step.op,
        ok: false,
        code: err instanceof JpkiMobileError ? err.code : 'UNEXPECTED',
        ...(sw !== undefined ? { sw: sw.toString(16).toUpperCase() } : {}),
        ...(err instanceof JpkiApError && err.triesLeft !== undefined ? { triesLeft: err.triesLeft } : {}),
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  card?.close();
  process.stdout.write(JSON.stringify(results) + '\n');
}

if (process.argv.includes('--steps-on-stdin')) await main();
