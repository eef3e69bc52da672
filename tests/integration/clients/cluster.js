#!/usr/bin/env node
// Drives a hash-slot cluster with the cluster clients of ioredis (Redis.Cluster) and
// node-redis (createCluster), seeded with one node's address; they learn the rest from
// CLUSTER SLOTS and follow MOVED. Prints JSON with what each step returned;
// tests/integration/test_cluster_clients.py asserts on it, so this script judges
// nothing itself.
//
// usage:
//   node cluster.js ops      PORT SHARD_RANGES_JSON   plain commands, hash tags, pipelines
//   node cluster.js pubsub   PORT NODE_PORTS_JSON     SUBSCRIBE through the cluster clients,
//                                                    PUBLISH on every node
//   node cluster.js failover PORT TAGS_JSON SECONDS  writers that keep writing while the
//                                                    test kills a leader (see below)
// SHARD_RANGES_JSON is [[first, last], ...] per shard; TAGS_JSON one hash tag per shard
// (a string whose slot that shard owns). The host is always 127.0.0.1 (what the nodes
// announce). A step that throws is recorded as {"error": "<message>"}; the script prints
// its JSON and exits 0 unless it could not run at all (exit 2).
//
// failover protocol (one JSON object per stdout line): the writers start, and once each
// has 30 acknowledged writes the script prints {"event":"ready"}; the test then kills a
// leader and writes "killed\n" to stdin; the writers go on until each has 20 acknowledged
// writes on every tag after that line (or SECONDS pass), then the script prints
// {"event":"done", ...} with every acknowledged key and value.
'use strict';

const Redis = require('ioredis');
const { createCluster } = require('redis');
const { plain, step, withTimeout, sleep } = require('./common');
const keySlot = require('cluster-key-slot');

const HOST = '127.0.0.1';
const mode = process.argv[2];
const port = Number(process.argv[3]);
if (!['ops', 'pubsub', 'failover'].includes(mode) || !port) {
  console.error('usage: node cluster.js ops|pubsub|failover PORT JSON [SECONDS]');
  process.exit(2);
}
const arg = process.argv[4] ? JSON.parse(process.argv[4]) : null;
const tag = `${process.pid}`;


function ioCluster(extra) {
  return new Redis.Cluster([{ host: HOST, port }], Object.assign({
    redisOptions: { connectTimeout: 2000 },
    slotsRefreshTimeout: 2000,
  }, extra || {}));
}

function nrCluster() {
  return createCluster({
    rootNodes: [{ socket: { host: HOST, port, connectTimeout: 2000 } }],
    defaults: { socket: { connectTimeout: 2000 } },
  });
}

function ioReady(c) {
  return withTimeout(new Promise((resolve, reject) => {
    c.once('ready', () => resolve('ready'));
    c.once('error', reject);
  }), 20000, 'ioredis cluster ready');
}

// Keys "<prefix><i>" for i = 0.. until `count` keys fall in `range` ([first, last]),
// each in a different slot.
function keysInRange(prefix, range, count) {
  const out = [];
  const slots = new Set();
  for (let i = 0; out.length < count && i < 1000000; i++) {
    const k = `${prefix}${i}`;
    const s = keySlot(k);
    if (s >= range[0] && s <= range[1] && !slots.has(s)) {
      slots.add(s);
      out.push(k);
    }
  }
  return out;
}

// SET then GET `n` keys spread over the slots; reports how many came back right and how
// many distinct slots they used. The counter is zero-padded to a fixed width: CRC16 is
// affine, so same-length keys that differ in a few digits land in distinct slots
// whatever the prefix (with mixed lengths, some prefixes, i.e. some PIDs, collide).
function manyKey(prefix, i) {
  return `${prefix}${String(i).padStart(6, '0')}`;
}

async function manyKeys(setFn, getFn, prefix, n) {
  const slots = new Set();
  let setOk = 0;
  let getOk = 0;
  const bad = [];
  const key = (i) => manyKey(prefix, i);
  for (let i = 0; i < n; i++) {
    const k = key(i);
    slots.add(keySlot(k));
    if ((await setFn(k, `v${i}`)) === 'OK') setOk++;
  }
  for (let i = 0; i < n; i++) {
    const v = await getFn(key(i));
    if (v === `v${i}`) getOk++;
    else if (bad.length < 5) bad.push([key(i), plain(v)]);
  }
  return { count: n, set_ok: setOk, get_ok: getOk, slots: slots.size, bad };
}

// ---- ops ---------------------------------------------------------------------------------

async function opsIoredis(ranges) {
  const out = {};
  const c = ioCluster();
  const p = `io:${tag}:`;
  await step(out, 'connect', () => ioReady(c));
  if (out.connect !== 'ready') {
    c.disconnect();
    return out;
  }
  await step(out, 'many', () => manyKeys((k, v) => c.set(k, v), (k) => c.get(k), `${p}k`, 300));
  await step(out, 'masters', () => c.nodes('master').map((n) => `${n.options.host}:${n.options.port}`).sort());
  const u = `${p}{user1000}`;
  await step(out, 'incr', async () => [await c.incr(`${u}:n`), await c.incr(`${u}:n`), await c.incrby(`${u}:n`, 10)]);
  await step(out, 'hset', () => c.hset(`${u}:h`, { name: 'ann', age: '42' }));
  await step(out, 'hgetall', () => c.hgetall(`${u}:h`));
  await step(out, 'zadd', () => c.zadd(`${u}:z`, 1, 'a', 2, 'b', 3, 'c'));
  await step(out, 'zrange', () => c.zrange(`${u}:z`, 0, -1, 'WITHSCORES'));
  await step(out, 'mset', () => c.mset(`${u}:a`, '1', `${u}:b`, '2'));
  await step(out, 'mget', () => c.mget(`${u}:a`, `${u}:b`, `${u}:missing`));
  // Two keys in different slots: the server must refuse (ioredis sends it to the first
  // key's node and passes the error through).
  await step(out, 'mget_crossslot', () => c.mget(`${p}foo`, `${p}bar`));
  // A pipeline over keys in different slots that one shard owns (ioredis sends a
  // pipeline to a single node).
  await step(out, 'pipeline', async () => {
    const keys = keysInRange(`${p}pipe:`, ranges[ranges.length - 1], 7);
    const counter = keys.pop();
    const pl = c.pipeline();
    keys.forEach((k, i) => pl.set(k, `p${i}`));
    keys.forEach((k) => pl.get(k));
    pl.incr(counter);
    const res = await pl.exec();
    return { slots: new Set(keys.concat([counter]).map(keySlot)).size,
             replies: res.map(([e, v]) => (e ? { error: e.message } : v)) };
  });
  await step(out, 'pipeline_1000', async () => {
    const pl = c.pipeline();
    for (let i = 0; i < 1000; i++) pl.incr(`${u}:pn`);
    const res = await pl.exec();
    return { count: res.length, errors: res.filter(([e]) => e).length, last: res[res.length - 1][1] };
  });
  await step(out, 'del', async () => {
    let n = 0;
    for (let i = 0; i < 300; i++) n += await c.del(manyKey(`${p}k`, i));
    return n;
  });
  await step(out, 'quit', () => c.quit());
  return out;
}

async function opsNodeRedis() {
  const out = {};
  const c = nrCluster();
  c.on('error', () => {});
  const p = `nr:${tag}:`;
  await step(out, 'connect', async () => { await withTimeout(c.connect(), 20000, 'node-redis connect'); return true; });
  if (out.connect !== true) {
    try { await c.destroy(); } catch (e) { /* already gone */ }
    return out;
  }
  await step(out, 'many', () => manyKeys((k, v) => c.set(k, v), (k) => c.get(k), `${p}k`, 300));
  await step(out, 'masters', () => c.masters.map((m) => `${m.host}:${m.port}`).sort());
  const u = `${p}{user1000}`;
  await step(out, 'incr', async () => [await c.incr(`${u}:n`), await c.incr(`${u}:n`), await c.incrBy(`${u}:n`, 10)]);
  await step(out, 'hset', () => c.hSet(`${u}:h`, { name: 'ann', age: '42' }));
  await step(out, 'hgetall', async () => Object.assign({}, await c.hGetAll(`${u}:h`)));
  await step(out, 'zadd', () => c.zAdd(`${u}:z`, [{ score: 1, value: 'a' }, { score: 2, value: 'b' }, { score: 3, value: 'c' }]));
  await step(out, 'zrange', async () => (await c.zRangeWithScores(`${u}:z`, 0, -1)).map((x) => [x.value, x.score]));
  await step(out, 'mset', () => c.mSet([`${u}:a`, '1', `${u}:b`, '2']));
  await step(out, 'mget', () => c.mGet([`${u}:a`, `${u}:b`, `${u}:missing`]));
  // node-redis splits a multi-key read over slots by itself (request policies).
  await step(out, 'mget_split', async () => {
    await c.set(`${p}foo`, 'F');
    await c.set(`${p}bar`, 'B');
    return c.mGet([`${p}foo`, `${p}bar`, `${p}none`]);
  });
  // Concurrent commands over every slot: node-redis pipelines them per node.
  await step(out, 'concurrent', async () => {
    const n = 500;
    const sets = await Promise.all(Array.from({ length: n }, (_, i) => c.set(`${p}c${i}`, `c${i}`)));
    const gets = await Promise.all(Array.from({ length: n }, (_, i) => c.get(`${p}c${i}`)));
    return {
      count: n,
      set_ok: sets.filter((x) => x === 'OK').length,
      get_ok: gets.filter((x, i) => x === `c${i}`).length,
    };
  });
  await step(out, 'del', async () => {
    let n = 0;
    for (let i = 0; i < 300; i++) n += await c.del(manyKey(`${p}k`, i));
    for (let i = 0; i < 500; i++) n += await c.del(`${p}c${i}`);
    return n;
  });
  await step(out, 'close', async () => { await c.close(); return true; });
  return out;
}

// ---- pub/sub -----------------------------------------------------------------------------

// Subscribes through a cluster client (which picks a node), then PUBLISHes one message on
// every node through plain connections; reports what arrived and each PUBLISH's count.
async function pubsubRun(name, subscribe, nodePorts) {
  const out = { received: [], publish: {} };
  const channel = `chan:${name}:${tag}`;
  const got = new Set();
  try {
    await withTimeout(subscribe(channel, (ch, msg) => {
      out.received.push([ch, msg]);
      got.add(msg);
    }), 20000, `${name} subscribe`);
  } catch (e) {
    out.error = e.message;
    return out;
  }
  const pubs = nodePorts.map((p) => new Redis({ host: HOST, port: p, lazyConnect: true, connectTimeout: 2000 }));
  try {
    for (let i = 0; i < nodePorts.length; i++) {
      const msg = `from-${nodePorts[i]}`;
      try {
        await pubs[i].connect();
        out.publish[nodePorts[i]] = await pubs[i].publish(channel, msg);
      } catch (e) {
        out.publish[nodePorts[i]] = { error: e.message };
      }
    }
    const deadline = Date.now() + 10000;
    while (got.size < nodePorts.length && Date.now() < deadline) await sleep(20);
  } finally {
    pubs.forEach((p) => p.disconnect());
  }
  out.received.sort();
  return out;
}

async function pubsub(nodePorts) {
  const out = {};
  const io = ioCluster();
  try {
    await ioReady(io);
    out.ioredis = await pubsubRun('io', async (channel, onMsg) => {
      io.on('message', onMsg);
      await io.subscribe(channel);
    }, nodePorts);
    // A pattern subscription too.
    out.ioredis_pattern = await pubsubRun('iop', async (channel, onMsg) => {
      io.on('pmessage', (pat, ch, msg) => onMsg(ch, msg));
      await io.psubscribe(channel.replace(/:[^:]*$/, ":*"));
    }, nodePorts);
  } catch (e) {
    out.ioredis = { error: e.message };
  }
  io.disconnect();

  const nr = nrCluster();
  nr.on('error', () => {});
  try {
    await withTimeout(nr.connect(), 20000, 'node-redis connect');
    out.node_redis = await pubsubRun('nr', (channel, onMsg) => nr.subscribe(channel, (msg, ch) => onMsg(ch, msg)), nodePorts);
  } catch (e) {
    out.node_redis = { error: e.message };
  }
  try { await nr.close(); } catch (e) { /* already gone */ }
  return out;
}

// ---- failover ----------------------------------------------------------------------------

// A sequential writer: SET <prefix>{<tag>}:<i> v<i>, rotating over the tags; every OK is
// recorded as acknowledged, anything else as an error (outcome unknown).
class Writer {
  constructor(name, set, tags) {
    this.name = name;
    this.set = set;
    this.tags = tags;
    this.acked = [];
    this.errors = 0;
    this.errorSamples = [];
    this.after = tags.map(() => 0);   // acks per tag since "killed"
    this.killedAt = null;
    this.firstAfter = null;            // ms from "killed" to the first ack on every tag
    this.maxGap = 0;
    this.stop = false;
  }

  async run() {
    let last = Date.now();
    for (let i = 0; !this.stop; i++) {
      const t = i % this.tags.length;
      const key = `fo:${this.name}:${tag}:{${this.tags[t]}}:${i}`;
      const val = `v${i}`;
      let ok = false;
      try {
        ok = (await withTimeout(this.set(key, val), 15000, 'SET')) === 'OK';
        if (!ok) throw new Error('unexpected reply');
      } catch (e) {
        this.errors++;
        if (this.errorSamples.length < 10) this.errorSamples.push(e.message);
        await sleep(50);
      }
      if (ok) {
        const now = Date.now();
        this.maxGap = Math.max(this.maxGap, now - last);
        last = now;
        this.acked.push([key, val]);
        if (this.killedAt !== null) {
          this.after[t]++;
          if (this.firstAfter === null && this.after.every((x) => x > 0)) this.firstAfter = now - this.killedAt;
        }
      }
    }
  }

  report() {
    return {
      acked: this.acked, errors: this.errors, error_samples: this.errorSamples,
      acked_after_kill: this.after, ms_to_all_tags_after_kill: this.firstAfter,
    };
  }
}

async function failover(tags, seconds) {
  const emit = (o) => process.stdout.write(JSON.stringify(o) + '\n');
  const io = ioCluster();
  const nr = nrCluster();
  nr.on('error', () => {});
  io.on('error', () => {});
  await ioReady(io);
  await withTimeout(nr.connect(), 20000, 'node-redis connect');
  const writers = [new Writer('io', (k, v) => io.set(k, v), tags),
                   new Writer('nr', (k, v) => nr.set(k, v), tags)];
  const runs = writers.map((w) => w.run());
  const deadline = Date.now() + seconds * 1000;
  while (writers.some((w) => w.acked.length < 30) && Date.now() < deadline) await sleep(20);
  emit({ event: 'ready', acked: writers.map((w) => w.acked.length) });

  let killed = false;
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d) => {
    if (!killed && d.includes('killed')) {
      killed = true;
      const now = Date.now();
      writers.forEach((w) => { w.killedAt = now; });
    }
  });
  while (Date.now() < deadline && !(killed && writers.every((w) => w.after.every((x) => x >= 20)))) await sleep(20);
  writers.forEach((w) => { w.stop = true; });
  await Promise.race([Promise.all(runs), sleep(20000)]);
  process.stdin.pause();
  const out = { event: 'done', killed, timed_out: Date.now() >= deadline };
  for (const w of writers) out[w.name] = w.report();
  io.disconnect();
  try { await nr.destroy(); } catch (e) { /* already gone */ }
  return out;
}

// ---- main --------------------------------------------------------------------------------

// Exits once everything written to stdout is flushed (a pipe is written asynchronously,
// and process.exit would cut a long report short).
function finish(text) {
  process.stdout.write(text, () => process.exit(0));
}

(async () => {
  const versions = {
    ioredis: require('ioredis/package.json').version,
    redis: require('redis/package.json').version,
  };
  if (mode === 'ops') {
    const out = { versions };
    out.ioredis = await opsIoredis(arg);
    out.node_redis = await opsNodeRedis();
    finish(JSON.stringify(out));
  } else if (mode === 'pubsub') {
    finish(JSON.stringify(Object.assign({ versions }, await pubsub(arg))));
  } else {
    finish(JSON.stringify(await failover(arg, Number(process.argv[5]) || 60)) + '\n');
  }
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(2);
});
