// common: helpers the client scripts (clients.js, cluster.js, sentinel.js) share.
'use strict';

// Makes a value JSON-friendly (Buffers as strings, Maps as objects, errors as {error}).
function plain(v) {
  if (v instanceof Error) return { error: v.message };
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) {
    const o = {};
    for (const [k, x] of v) o[String(k)] = plain(x);
    return o;
  }
  if (v instanceof Set) return [...v].map(plain);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') {
    const o = {};
    for (const k of Object.keys(v)) o[k] = plain(v[k]);
    return o;
  }
  return v === undefined ? null : v;
}

// Runs one step of a scenario: out[name] gets its result, or {error} if it threw.
async function step(out, name, fn) {
  try {
    out[name] = plain(await fn());
  } catch (e) {
    out[name] = { error: e && e.message ? e.message : String(e) };
  }
}

// Rejects with "<what>: timed out after <ms> ms" unless the promise settles first.
function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(t));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { plain, step, withTimeout, sleep };
