import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import pg from 'pg';
import { startPostgres } from '../helpers/postgres.js';

async function answers(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('test harness: throwaway PostgreSQL servers', () => {
  it('stop() stops only its own server and removes its directory', { timeout: 120_000 }, async () => {
    const [a, b] = await Promise.all([startPostgres(), startPostgres()]);
    try {
      assert.notEqual(a.port, b.port);
      assert.match(a.connectionString, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/jpki$/);
      assert.ok(await answers(a.connectionString));
      assert.ok(await answers(b.connectionString));
      const dir = a.dataDir;
      assert.ok(existsSync(dir));
      await a.stop();
      await a.stop();
      assert.equal(existsSync(dir), false);
      assert.equal(await answers(a.connectionString), false);
      assert.ok(await answers(b.connectionString), 'the other server still runs');
      assert.ok(await answers(await b.createDatabase()));
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
