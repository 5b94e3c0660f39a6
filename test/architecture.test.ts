import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkFile, checkTree, importSpecifiers, listTypeScript } from './helpers/layers.js';
import { fromRoot } from './helpers/paths.js';

const srcRoot = fromRoot('src');

describe('architecture: imports flow downwards only', () => {
  it('src/ has no upward or sideways import, and codecs and crypto do no I/O', () => {
    assert.ok(listTypeScript(srcRoot).length > 10, 'the checker sees the source tree');
    assert.deepEqual(checkTree(srcRoot), []);
  });

  it('finds static, re-export, side-effect and dynamic imports', () => {
    const src = `import { a } from './a.js';\nexport { b } from "../b.js";\nimport './c.js';\nconst d = await import('node:fs');\nimport type { E } from '../e/index.js';`;
    assert.deepEqual(importSpecifiers(src), ['./a.js', '../b.js', './c.js', 'node:fs', '../e/index.js']);
  });

  it('reports a codec importing a service, a crypto module doing I/O, and an unranked folder', () => {
    const up = checkFile(srcRoot, join(srcRoot, 'tlv', 'x.ts'), `import { y } from '../services/jpki/index.js';`);
    assert.equal(up.length, 1);
    assert.match(up[0]!.reason, /tlv .* may not import services/);
    const io = checkFile(srcRoot, join(srcRoot, 'crypto', 'x.ts'), `import { readFileSync } from 'node:fs';`);
    assert.equal(io.length, 1);
    assert.match(io[0]!.reason, /I\/O-free/);
    const sideways = checkFile(srcRoot, join(srcRoot, 'apdu', 'x.ts'), `import { parseTlv } from '../tlv/index.js';`);
    assert.equal(sideways.length, 1);
    const unranked = checkFile(srcRoot, join(srcRoot, 'mystery', 'x.ts'), '');
    assert.match(unranked[0]!.reason, /no rank/);
  });

  it('allows imports from lower layers and within a folder', () => {
    const ok = checkFile(
      srcRoot,
      join(srcRoot, 'crypto', 'scp03', 'x.ts'),
      `import { concat } from '../../bytes/index.js';\nimport { CommandApdu } from '../../apdu/index.js';\nimport { cmac } from '../cmac.js';\nimport { createCipheriv } from 'node:crypto';`,
    );
    assert.deepEqual(ok, []);
  });
});
