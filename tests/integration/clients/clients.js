#!/usr/bin/env node
// Drives a server with two real Redis client libraries, ioredis and node-redis, using
// their default handshakes (HELLO 3, CLIENT SETINFO LIB-NAME/LIB-VER, SELECT, names),
// then plain commands and pipelines. Prints one JSON object with what each step
// returned; tests/integration/test_clients.py asserts on it, so this script judges
// nothing itself.
//
// usage: node clients.js PORT [HOST]
// A step that throws is recorded as {"error": "<message>"}; the script always prints
// its JSON and exits 0 unless it could not run at all (exit 2).
'use strict';

const Redis = require('ioredis');
const { createClient } = require('redis');
const { step, withTimeout } = require('./common');

const port = Number(process.argv[2]);
const host = process.argv[3] || '127.0.0.1';
if (!port) {
  console.error('usage: node clients.js PORT [HOST]');
  process.exit(2);
}
const prefix = `clients:${process.pid}:`;

// Parses `CLIENT INFO` text (`id=7 addr=... name=x resp=3 lib-name=... lib-ver=...`).
function parseClientInfo(line) {
  const o = {};
  for (const part of String(line).trim().split(' ')) {
    const i = part.indexOf('=');
    if (i > 0) o[part.slice(0, i)] = part.slice(i + 1);
  }
  return o;
}

const BIG = 'x'.repeat(100 * 1024);
const UNICODE = 'h\u00e9llo \u2603 \u{1F600}';

async function runIoredis() {
  const out = {};
  const opts = {
    host, port,
    lazyConnect: true,
    connectionName: 'redraft-ioredis',
    db: 1,
    connectTimeout: 5000,
    commandTimeout: 10000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  };
  const r = new Redis(opts);
  r.on('error', () => {});
  try {
    await step(out, 'connect', async () => { await withTimeout(r.connect(), 10000, 'connect'); return r.status; });
    if (out.connect !== 'ready') return out;
    out.protocol = r.condition ? r.condition.protocol : null;
    await step(out, 'client_info', async () => parseClientInfo(await r.client('INFO')));
    await step(out, 'client_getname', () => r.client('GETNAME'));
    await step(out, 'ping', () => r.ping());
    await step(out, 'set', () => r.set(prefix + 'k', 'v1'));
    await step(out, 'get', () => r.get(prefix + 'k'));
    await step(out, 'get_missing', () => r.get(prefix + 'missing'));
    await step(out, 'set_ex', () => r.set(prefix + 'ttl', 'v', 'EX', 100));
    await step(out, 'ttl', () => r.ttl(prefix + 'ttl'));
    await step(out, 'incr1', () => r.incr(prefix + 'n'));
    await step(out, 'incr2', () => r.incr(prefix + 'n'));
    await step(out, 'incrby', () => r.incrby(prefix + 'n', 10));
    await step(out, 'incr_wrongtype', () => r.incr(prefix + 'k'));
    await step(out, 'mset', () => r.mset(prefix + 'a', '1', prefix + 'b', '2'));
    await step(out, 'mget', () => r.mget(prefix + 'a', prefix + 'b', prefix + 'missing'));
    await step(out, 'unicode', async () => { await r.set(prefix + 'u', UNICODE); return (await r.get(prefix + 'u')) === UNICODE; });
    await step(out, 'big', async () => { await r.set(prefix + 'big', BIG); return (await r.get(prefix + 'big')) === BIG; });
    await step(out, 'pipeline', async () => {
      const res = await r.pipeline()
        .set(prefix + 'p', 'pv')
        .get(prefix + 'p')
        .incr(prefix + 'pn')
        .incr(prefix + 'p')        // an error in the middle of a pipeline
        .mget(prefix + 'p', prefix + 'pn')
        .exec();
      return res.map(([err, val]) => (err ? { error: err.message } : val));
    });
    await step(out, 'pipeline_1000', async () => {
      const p = r.pipeline();
      for (let i = 0; i < 1000; i++) p.incr(prefix + 'many');
      const res = await p.exec();
      return { count: res.length, errors: res.filter(([e]) => e).length, last: res[res.length - 1][1] };
    });
    await step(out, 'info_server', async () => {
      const info = await r.info('server');
      const m = /^redis_version:(.*)$/m.exec(info);
      return m ? m[1].trim() : null;
    });
    await step(out, 'del', () => r.del(prefix + 'k', prefix + 'n', prefix + 'a', prefix + 'b', prefix + 'u',
      prefix + 'big', prefix + 'p', prefix + 'pn', prefix + 'many', prefix + 'ttl'));
    await step(out, 'set_db1', () => r.set(prefix + 'dbkey', 'one'));
    await step(out, 'quit', () => r.quit());
  } finally {
    r.disconnect();
  }

  // A second connection with RESP3 reply mapping: maps come back as objects, and the
  // default database is 0: the key written above in db 1 is only visible after SELECT 1.
  const r3 = new Redis({ host, port, lazyConnect: true, replyMapping: 'resp3', connectTimeout: 5000,
    commandTimeout: 10000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r3.on('error', () => {});
  try {
    await step(out, 'resp3_connect', async () => { await withTimeout(r3.connect(), 10000, 'connect'); return r3.status; });
    if (out.resp3_connect === 'ready') {
      await step(out, 'resp3_hello', () => r3.call('HELLO'));
      await step(out, 'resp3_get_db0', () => r3.get(prefix + 'dbkey'));
      await step(out, 'resp3_select1', () => r3.select(1));
      await step(out, 'resp3_get_db1', () => r3.get(prefix + 'dbkey'));
      await step(out, 'resp3_del_db1', () => r3.del(prefix + 'dbkey'));
      await step(out, 'resp3_quit', () => r3.quit());
    }
  } finally {
    r3.disconnect();
  }
  return out;
}

async function runNodeRedis() {
  const out = {};
  const c = createClient({
    socket: { host, port, connectTimeout: 5000, reconnectStrategy: false },
    name: 'redraft-node-redis',
    database: 2,
  });
  c.on('error', () => {});
  try {
    await step(out, 'connect', async () => { await withTimeout(c.connect(), 10000, 'connect'); return c.isReady; });
    if (out.connect !== true) return out;
    await step(out, 'hello', () => c.sendCommand(['HELLO']));
    await step(out, 'client_info', async () => parseClientInfo(await c.sendCommand(['CLIENT', 'INFO'])));
    await step(out, 'client_getname', () => c.clientGetName());
    await step(out, 'ping', () => c.ping());
    await step(out, 'set', () => c.set(prefix + 'k', 'v1'));
    await step(out, 'get', () => c.get(prefix + 'k'));
    await step(out, 'get_missing', () => c.get(prefix + 'missing'));
    await step(out, 'set_px', () => c.set(prefix + 'ttl', 'v', { expiration: { type: 'PX', value: 100000 } }));
    await step(out, 'pttl', () => c.pTTL(prefix + 'ttl'));
    await step(out, 'incr1', () => c.incr(prefix + 'n'));
    await step(out, 'incr2', () => c.incr(prefix + 'n'));
    await step(out, 'incrby', () => c.incrBy(prefix + 'n', 10));
    await step(out, 'incr_wrongtype', () => c.incr(prefix + 'k'));
    await step(out, 'mset', () => c.mSet([[prefix + 'a', '1'], [prefix + 'b', '2']]));
    await step(out, 'mget', () => c.mGet([prefix + 'a', prefix + 'b', prefix + 'missing']));
    await step(out, 'unicode', async () => { await c.set(prefix + 'u', UNICODE); return (await c.get(prefix + 'u')) === UNICODE; });
    await step(out, 'big', async () => { await c.set(prefix + 'big', BIG); return (await c.get(prefix + 'big')) === BIG; });
    await step(out, 'pipeline', () => c.multi()
      .set(prefix + 'p', 'pv')
      .get(prefix + 'p')
      .incr(prefix + 'pn')
      .mGet([prefix + 'p', prefix + 'pn'])
      .execAsPipeline());
    // Commands issued in the same tick are written to the socket together (auto-pipelining).
    await step(out, 'concurrent_1000', async () => {
      const ps = [];
      for (let i = 0; i < 1000; i++) ps.push(c.incr(prefix + 'many'));
      const res = await Promise.all(ps);
      return { count: res.length, max: Math.max(...res), sorted: res.every((v, i) => v === i + 1) };
    });
    await step(out, 'config_get', () => c.configGet('maxmemory-policy'));
    await step(out, 'dbsize_positive', async () => (await c.dbSize()) > 0);
    await step(out, 'del', () => c.del([prefix + 'k', prefix + 'n', prefix + 'a', prefix + 'b', prefix + 'u',
      prefix + 'big', prefix + 'p', prefix + 'pn', prefix + 'many', prefix + 'ttl']));
    await step(out, 'close', async () => { await c.close(); return true; });
  } finally {
    if (c.isOpen) c.destroy();
  }
  return out;
}

(async () => {
  const result = { ioredis: await runIoredis(), node_redis: await runNodeRedis() };
  result.versions = {
    node: process.version,
    ioredis: require('ioredis/package.json').version,
    redis: require('redis/package.json').version,
  };
  process.stdout.write(JSON.stringify(result, null, 1) + '\n');
  process.exit(0);
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(2);
});
