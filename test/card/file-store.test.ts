import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FileCardStore, MemoryCardStore, type FileStoreStep } from '../../src/card/index.js';

const dir = mkdtempSync(join(tmpdir(), 'card-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('FileCardStore: atomic, owner-only JSON', () => {
  it('creates, saves and loads; the file is 0600 and no temporary file stays behind', async () => {
    const path = join(dir, 'a.json');
    const store = new FileCardStore<{ n: number }>(path);
    await store.create({ n: 1 });
    assert.equal(mode(path), 0o600);
    assert.deepEqual(await store.load(), { n: 1 });
    await store.save({ n: 2 });
    assert.deepEqual(await store.load(), { n: 2 });
    assert.equal(mode(path), 0o600);
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.a.json')), []);
  });

  it('replaces a file that others could read with an owner-only one', async () => {
    const path = join(dir, 'open.json');
    writeFileSync(path, '{"n":0}');
    chmodSync(path, 0o644);
    await new FileCardStore(path).save({ n: 1 });
    assert.equal(mode(path), 0o600);
  });

  it('never overwrites a card on create', async () => {
    const path = join(dir, 'b.json');
    const store = new FileCardStore(path);
    await store.create({ first: true });
    await assert.rejects(store.create({ first: false }), { code: 'ERR_CARD_STATE_EXISTS' });
    assert.deepEqual(await store.load(), { first: true });
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.b.json')), []);
  });

  it('reports a missing file and a file that is not JSON with their codes', async () => {
    await assert.rejects(new FileCardStore(join(dir, 'none.json')).load(), { code: 'ERR_CARD_STATE_MISSING' });
    writeFileSync(join(dir, 'bad.json'), '{"n":');
    await assert.rejects(new FileCardStore(join(dir, 'bad.json')).load(), { code: 'ERR_CARD_STATE_INVALID' });
    await assert.rejects(new MemoryCardStore().load(), { code: 'ERR_CARD_STATE_MISSING' });
  });

  it('reaches its durable points in order, and a save cut short after the temp file leaves the old document whole', async () => {
    const path = join(dir, 'c.json');
    const steps: FileStoreStep[] = [];
    await new FileCardStore(path).create({ v: 'old' });
    await new FileCardStore(path, { onStep: (s) => void steps.push(s) }).save({ v: 'new' });
    assert.deepEqual(steps, ['temp-written', 'renamed']);
    const cut = new FileCardStore(path, {
      onStep: (s) => {
        if (s === 'temp-written') throw new Error('power cut');
      },
    });
    await assert.rejects(cut.save({ v: 'newer' }), /power cut/);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { v: 'new' });
  });

  it('keeps a deep copy in memory and counts saves', async () => {
    const store = new MemoryCardStore<{ a: number[] }>();
    const doc = { a: [1] };
    await store.save(doc);
    doc.a.push(2);
    assert.deepEqual(await store.load(), { a: [1] });
    assert.equal(store.saves, 1);
    assert.equal(store.snapshot, '{"a":[1]}');
  });
});
