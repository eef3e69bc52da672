#!/usr/bin/env node
// Drives a standalone redraft shard through its sentinels with a real Sentinel-aware
// client (ioredis `new Redis({sentinels, name})` or node-redis `createSentinel`): connect,
// write and read keys, then keep one INCR in flight at a time (counting the acknowledged
// ones) while it (1) sends SENTINEL FAILOVER <name> to a sentinel and (2) kill -9s the
// leader the sentinels then name. For each phase it records when the client first had an
// INCR acknowledged by a node other than the old leader, and at the end reads the
// counter back. Prints one JSON object; tests/integration/test_sentinel_clients.py judges
// it (this script asserts nothing).
//
// usage: node sentinel.js ioredis|node-redis CONFIG_JSON
//   CONFIG_JSON: {"name": "mymaster", "sentinels": [port, ...], "pids": {"port": pid, ...},
//                 "bound_ms": 20000, "host": "127.0.0.1"}
// A step that throws is recorded as {"error": "<message>"}; the script always prints its
// JSON and exits 0 unless it could not run at all (exit 2).
'use strict';

const Redis = require('ioredis');
const { createSentinel } = require('redis');
const { step, sleep } = require('./common');

const which = process.argv[2];
let cfg;
try {
  cfg = JSON.parse(process.argv[3] || '');
} catch (e) {
  cfg = null;
}
if (!cfg || !['ioredis', 'node-redis'].includes(which) || !Array.isArray(cfg.sentinels)) {
  console.error('usage: node sentinel.js ioredis|node-redis CONFIG_JSON');
  process.exit(2);
}
const host = cfg.host || '127.0.0.1';
const name = cfg.name || 'mymaster';
const boundMs = cfg.bound_ms || 20000;
const prefix = `sentinel:${which}:${process.pid}:`;
const now = () => Number(process.hrtime.bigint() / 1000n) / 1000; // ms, monotonic

function errText(e) {
  return e && e.message ? e.message : String(e);
}

// One command on a short-lived plain connection to a sentinel (no Sentinel logic).
async function sentinelCall(port, ...args) {
  const c = new Redis({ host, port, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0,
    retryStrategy: () => null, connectTimeout: 2000, commandTimeout: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    return await c.call(...args);
  } finally {
    c.disconnect();
  }
}

// The master address the sentinels publish now: {host, port} from the first sentinel
// that answers, or null.
async function publishedMaster() {
  for (const p of cfg.sentinels) {
    try {
      const r = await sentinelCall(p, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name);
      if (Array.isArray(r) && r.length === 2) return { host: String(r[0]), port: Number(r[1]) };
    } catch (e) { /* next sentinel */ }
  }
  return null;
}

// The client under test, behind one interface: incr() -> {value, port} where port is the
// node that answered; get(key); set(key, value); close().
function makeIoredis(out) {
  out.switch_master = [];   // what the client's own FailoverDetector subscriptions received
  out.failover_subscribed = 0;
  const r = new Redis({
    sentinels: cfg.sentinels.map((port) => ({ host, port })),
    name,
    failoverDetector: true,
    connectTimeout: 5000,
    commandTimeout: 5000,
  });
  r.on('error', () => {});
  // ioredis re-creates its FailoverDetector (one subscriber per sentinel) after every
  // connect and emits 'failoverSubscribed' once it is subscribed: listen on those clients.
  r.on('failoverSubscribed', () => {
    out.failover_subscribed++;
    const det = r.connector && r.connector.failoverDetector;
    if (!det) return;
    for (const s of det.sentinels) {
      s.client.on('message', (channel, message) => {
        out.switch_master.push({ t: now(), channel, message: String(message) });
      });
    }
  });
  return {
    ready: () => new Promise((resolve, reject) => {
      if (r.status === 'ready') return resolve('ready');
      const t = setTimeout(() => reject(new Error('not ready in 15 s: ' + r.status)), 15000);
      r.once('ready', () => { clearTimeout(t); resolve('ready'); });
    }),
    incr: async (key) => {
      const value = await r.incr(key);
      return { value, port: r.stream ? r.stream.remotePort : null };
    },
    get: (key) => r.get(key),
    set: (key, v) => r.set(key, v),
    close: async () => { r.disconnect(); },
  };
}

function makeNodeRedis(out) {
  out.topology_changes = [];
  const s = createSentinel({
    name,
    sentinelRootNodes: cfg.sentinels.map((port) => ({ host, port })),
    nodeClientOptions: { socket: { connectTimeout: 5000 } },
    sentinelClientOptions: { socket: { connectTimeout: 5000 } },
  });
  s.on('error', () => {});
  s.on('topology-change', (ev) => {
    out.topology_changes.push({ t: now(), type: ev && ev.type,
      node: ev && ev.node ? `${ev.node.host}:${ev.node.port}` : null });
  });
  return {
    ready: async () => { await s.connect(); return 'ready'; },
    incr: async (key) => {
      const value = await s.incr(key);
      const m = s.getMasterNode();
      return { value, port: m ? Number(m.port) : null };
    },
    get: (key) => s.get(key),
    set: (key, v) => s.set(key, v),
    close: async () => { try { await s.close(); } catch (e) { s.destroy(); } },
  };
}

// One INCR at a time on `key`, forever until stop(): acked[] = [time, port] of each
// acknowledged INCR, errors counted (an INCR that errored may or may not have been
// applied).
function writer(client, key) {
  const st = { acked: [], errors: 0, lastError: null, lastValue: 0, stopped: false };
  st.done = (async () => {
    while (!st.stopped) {
      try {
        const { value, port } = await client.incr(key);
        st.acked.push([now(), port]);
        st.lastValue = value;
      } catch (e) {
        st.errors++;
        st.lastError = errText(e);
        await sleep(5);
      }
    }
  })();
  st.stop = async () => { st.stopped = true; await st.done; };
  return st;
}

async function waitFor(pred, ms, stepMs = 10) {
  const end = now() + ms;
  while (now() < end) {
    if (await pred()) return true;
    await sleep(stepMs);
  }
  return !!(await pred());
}

// A phase: wait for writes on the current leader, act, measure the first INCR served by
// another node, and let the load run on the new leader for a moment.
async function phase(what, w, act) {
  const ph = { what };
  const old = await publishedMaster();
  ph.old = old;
  if (!old) { ph.error = 'no sentinel names a master before the ' + what; return ph; }
  const ackedOnOld = () => w.acked.filter(([, p]) => p === old.port).length;
  const base = ackedOnOld();
  if (!(await waitFor(() => ackedOnOld() >= base + 20, boundMs))) {
    ph.error = `no writes acknowledged by the leader ${old.port} before the ${what}` +
      ` (last error ${w.lastError})`;
    return ph;
  }
  const ackedBefore = w.acked.length;
  const t0 = now();
  ph.t0 = t0;
  try {
    ph.action = await act(old);
  } catch (e) {
    ph.action = { error: errText(e) };
  }
  const firstOnNew = () => w.acked.find(([t, p]) => t > t0 && p !== old.port && p !== null);
  if (await waitFor(() => firstOnNew() !== undefined, boundMs, 2)) {
    const [t, p] = firstOnNew();
    ph.recovered_ms = Math.round((t - t0) * 10) / 10;
    ph.served_by = p;
  } else {
    ph.recovered_ms = null;
    ph.last_error = w.lastError;
  }
  ph.errors_so_far = w.errors;
  ph.acked_during = w.acked.length - ackedBefore;
  // The new leader keeps taking writes.
  const n = w.acked.length;
  await waitFor(() => w.acked.length >= n + 50, 5000);
  ph.acked_after = w.acked.length - n;
  ph.new = await publishedMaster();
  return ph;
}

async function main() {
  const out = { client: which, versions: { ioredis: require('ioredis/package.json').version,
    redis: require('redis/package.json').version } };
  const client = which === 'ioredis' ? makeIoredis(out) : makeNodeRedis(out);
  try {
    await step(out, 'connect', () => client.ready());
    if (out.connect !== 'ready') return out;
    await step(out, 'set', () => client.set(prefix + 'k', 'v1'));
    await step(out, 'get', () => client.get(prefix + 'k'));
    await step(out, 'set_many', async () => {
      for (let i = 0; i < 50; i++) await client.set(prefix + 'k:' + i, 'v' + i);
      let same = 0;
      for (let i = 0; i < 50; i++) if ((await client.get(prefix + 'k:' + i)) === 'v' + i) same++;
      return same;
    });
    const key = prefix + 'counter';
    const w = writer(client, key);
    out.phases = [];
    out.phases.push(await phase('failover', w, async () => {
      const r = await sentinelCall(cfg.sentinels[0], 'SENTINEL', 'FAILOVER', name);
      return String(r);
    }));
    // The old leader is a follower again and catches up before we kill the new one.
    await sleep(500);
    out.phases.push(await phase('kill', w, async (old) => {
      const pid = cfg.pids[String(old.port)];
      if (!pid) throw new Error('no pid for port ' + old.port);
      process.kill(pid, 'SIGKILL');
      return 'killed pid ' + pid;
    }));
    await w.stop();
    out.acked = w.acked.length;
    out.errors = w.errors;
    out.last_error = w.lastError;
    out.last_value = w.lastValue;
    // Read the counter back through the client (it may need a retry right after a fault).
    await step(out, 'final', async () => {
      let last;
      for (let i = 0; i < 50; i++) {
        try { return Number(await client.get(key)); } catch (e) { last = e; await sleep(200); }
      }
      throw last;
    });
    await step(out, 'get_after', () => client.get(prefix + 'k:7'));
  } finally {
    await client.close();
  }
  return out;
}

const hard = setTimeout(() => {
  console.log(JSON.stringify({ client: which, error: 'sentinel.js: overall timeout' }));
  process.exit(0);
}, 4 * boundMs + 60000);
main().then((out) => {
  clearTimeout(hard);
  console.log(JSON.stringify(out));
  process.exit(0);
}, (e) => {
  clearTimeout(hard);
  console.log(JSON.stringify({ client: which, error: errText(e) }));
  process.exit(0);
});
