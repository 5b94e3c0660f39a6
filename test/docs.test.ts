import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { listTypeScript } from './helpers/layers.js';
import { fromRoot } from './helpers/paths.js';

describe('docs', () => {
  it('docs/errors.md lists every error code used in src/', () => {
    const codes = new Set<string>();
    for (const file of listTypeScript(fromRoot('src'))) {
      for (const m of readFileSync(file, 'utf8').matchAll(/'(ERR_[A-Z0-9_]*[A-Z0-9])'/g)) codes.add(m[1]!);
    }
    assert.ok(codes.size > 40, `found ${codes.size} codes`);
    const doc = readFileSync(fromRoot('docs', 'errors.md'), 'utf8');
    const missing = [...codes].filter((c) => !doc.includes('`' + c + '`'));
    assert.deepEqual(missing, []);
  });

  it('every relative link of the README points to a file that exists', () => {
    const readme = readFileSync(fromRoot('README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)#]+)\)/g)].map((m) => m[1]!).filter((l) => !/^[a-z]+:/.test(l));
    assert.ok(links.length > 0);
    for (const link of links) assert.doesNotThrow(() => readFileSync(fromRoot(link)), link);
  });
});
