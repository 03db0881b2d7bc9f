// herald-client.js in a real browser (Debian's Chromium driven by playwright-core), against a running local stack.
// HeraldClientBrowserIT starts the stack (two gateways, access tokens that live HERALD_TOKEN_EXPIRY seconds) and runs
// this script; by hand:
//
//   HERALD_TOKEN_EXPIRY=30 ./stack up
//   HERALD_GATEWAYS=http://localhost:8081,http://localhost:8082 HERALD_STACK_SCRIPT=./stack \
//     HERALD_NOTES_URL=http://localhost:8080 HERALD_ISSUER_URI=http://localhost:8090/herald \
//     node local-stack/src/test/browser/client-tabs.mjs
//
// Six tabs of alice (one browser profile) load a page that uses /herald-client.js as served by the gateway:
//  1. the gateways hold one stream for the six (herald_gateway_connections), and every tab gets every event once;
//  2. the leader tab closes while events flow: another tab leads within 2 s, no tab misses or repeats an event;
//  3. the gateway the leader streams from stops while events flow: the stream moves to the other one, nothing missed;
//  4. the instance answers 503 with Retry-After (as a draining instance does): the client waits and retries;
//  5. the access tokens expire during the run (HERALD_TOKEN_EXPIRY): the gateway ends the stream with auth-expired,
//     the client renews through getToken and resumes, nothing missed;
//  6. bob writes notes alice may not read: no tab gets them, and an id-only checkpoint moves every tab's resume
//     position (what the next leader or gateway resumes from) to the same id.
// Prints one line per step; exits non-zero on the first failed check.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const gateways = required('HERALD_GATEWAYS').split(',').map((url) => new URL(url).origin);
const stackScript = required('HERALD_STACK_SCRIPT');
const notesUrl = required('HERALD_NOTES_URL').replace(/\/$/, '');
const issuer = required('HERALD_ISSUER_URI').replace(/\/$/, '');
const WAIT = 30_000;
const run = Date.now().toString(36);

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

// the harness: a module script on a page of a gateway's own origin (Web Locks, BroadcastChannel and the cookie are per
// origin; and the page must really come from that address, or Chromium's local network access checks refuse its
// cross-origin requests to the other instance), recording what the client hands it
const harness = (options) => `
import { connect } from '/herald-client.js';
const options = ${JSON.stringify(options)};
window.received = [];
window.states = [];
window.roles = [];
window.resets = [];
const client = connect({ ...options, getToken: (request) => window.heraldToken(options.shareKey, request ?? {}) });
client.on('event', (event, meta) => window.received.push({ id: event.id, title: event.data.title, type: meta.type }));
client.on('state', (state, info) => window.states.push({ state, gateway: info.gateway, at: Date.now() }));
client.on('role', (role) => window.roles.push({ role, at: Date.now() }));
client.on('reset', (reset) => { window.resets.push(reset.reason); });
window.client = client;
`;

const tokenCalls = []; // { user, at, forceRefresh }

async function scenario() {
  const home = gateways[1]; // the pages' origin; their client tries gateways[0] first (cross-origin), then this one
  const context = await browser.newContext();
  context.setDefaultTimeout(WAIT);
  await context.exposeBinding('heraldToken', async (source, user, request) => {
    tokenCalls.push({ user, at: Date.now(), forceRefresh: !!request?.forceRefresh });
    return token(user);
  });
  const options = { gateways, shareKey: 'alice', minBackoff: 300 };
  const tabs = [];
  for (let i = 0; i < 6; i++) {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.log(`  [tab ${i}] ${error.message}`));
    await page.goto(`${home}/config.json`); // any page the gateway serves
    await page.addScriptTag({ type: 'module', content: harness(options) });
    tabs.push(page);
  }
  await Promise.all(tabs.map((page) => page.waitForFunction(() => window.client?.state === 'live')));
  const leaders = await leaderTabs(tabs);
  check(leaders.length === 1, `${leaders.length} tabs lead, expected exactly one`);
  await eventually(async () => (await connections()) === 1, 'the gateways hold one stream for the six tabs',
    async () => `streams: ${await connections()}`);
  log(`six tabs live; one leads (tab ${tabs.indexOf(leaders[0])}) and the gateways hold 1 stream`);

  // --- 1. every tab gets every event once ---
  const first = await createNotes('six tabs', 10);
  await expectAll(tabs, first);
  // (a renewal at token expiry may leave a moment with none)
  await eventually(async () => (await connections()) === 1, 'still one stream', async () => `streams: ${await connections()}`);
  log('10 notes: every one of the six tabs got each of them exactly once; still one stream');

  // --- 2. the leader tab closes while events flow ---
  const flow = produce('leader closes');
  await sleep(1500);
  const leader = (await leaderTabs(tabs))[0];
  const closedAt = Date.now();
  await leader.close();
  tabs.splice(tabs.indexOf(leader), 1);
  await eventually(async () => (await leaderTabs(tabs)).length === 1, 'another tab leads');
  const tookOverAt = Math.min(...await Promise.all(tabs.map((page) =>
    page.evaluate(() => window.roles.filter((r) => r.role === 'leader').map((r) => r.at).pop() ?? Infinity))));
  check(tookOverAt - closedAt <= 2000, `another tab led ${tookOverAt - closedAt} ms after the leader closed (> 2 s)`);
  await sleep(2000);
  const second = await flow.stop();
  await expectAll(tabs, second);
  log(`leader closed while ${second.length} notes were written: another tab led after ${tookOverAt - closedAt} ms; `
    + 'every remaining tab got every note exactly once');

  // --- 3. the gateway the leader streams from stops ---
  const newLeader = (await leaderTabs(tabs))[0];
  const used = await newLeader.evaluate(() => window.client.gateway);
  const index = gateways.indexOf(used);
  check(index >= 0, `the leader streams from ${used}, not one of ${gateways.join(', ')}`);
  const flow3 = produce('gateway stops');
  await sleep(1000);
  await stopProcess(`sse-gateway-${index + 1}`);
  log(`stopped sse-gateway-${index + 1} (${used}), the instance the leader streamed from`);
  await eventually(async () => {
    const { state, gateway } = await newLeader.evaluate(() => ({ state: window.client.state, gateway: window.client.gateway }));
    return state === 'live' && gateway !== used;
  }, 'the stream moves to the other gateway', undefined, 60_000);
  await sleep(1500);
  const third = await flow3.stop();
  await expectAll(tabs, third);
  const survivor = await newLeader.evaluate(() => window.client.gateway);
  await eventually(async () => (await connections()) === 1, 'one stream, on the surviving gateway',
    async () => `streams: ${await connections()}`);
  log(`the stream moved to ${survivor}; every tab got all ${third.length} notes written meanwhile, exactly once`);

  // --- 4. 503 with Retry-After (what a draining or full instance answers) is retried, not fatal ---
  const refusals = [];
  await context.route((url) => url.origin === survivor && url.pathname === '/events', async (route) => {
    if (refusals.length < 2) {
      refusals.push(Date.now());
      await route.fulfill({
        status: 503, contentType: 'application/problem+json', headers: { 'Retry-After': '2' },
        body: JSON.stringify({ type: 'about:blank', title: 'Draining', status: 503,
          detail: 'this instance is shutting down; connect to another instance' }),
      });
    } else {
      await route.fallback();
    }
  });
  const flow4 = produce('retry-after');
  await sleep(500);
  const leader4 = (await leaderTabs(tabs))[0];
  await leader4.close(); // the next leader's connect meets the refusals
  tabs.splice(tabs.indexOf(leader4), 1);
  await eventually(async () => refusals.length === 2, 'two 503 answers were given');
  await eventually(async () => (await leaderTabs(tabs)).length === 1
    && (await Promise.all(tabs.map((page) => page.evaluate(() => window.client.state)))).every((s) => s === 'live'),
  'every tab is live again after the 503s', undefined, 60_000);
  const fourth = await flow4.stop();
  const liveAgain = Math.max(...await Promise.all(tabs.map((page) =>
    page.evaluate(() => window.states.filter((s) => s.state === 'live').map((s) => s.at).pop()))));
  check(refusals[1] - refusals[0] >= 1900, `the client retried after ${refusals[1] - refusals[0]} ms, not after Retry-After (2 s)`);
  check(liveAgain - refusals[1] >= 1900, `the client came back ${liveAgain - refusals[1]} ms after a 503 with Retry-After: 2`);
  const stopped = await Promise.all(tabs.map((page) => page.evaluate(() => window.states.some((s) => s.state === 'stopped'))));
  check(!stopped.includes(true), 'a tab stopped after the 503');
  await expectAll(tabs, fourth);
  await context.unrouteAll({ behavior: 'wait' });
  log(`two 503s with Retry-After: 2 were each waited out (${refusals[1] - refusals[0]} ms apart), the stream came back, `
    + `every tab got all ${fourth.length} notes written meanwhile, exactly once`);

  // --- 5. tokens expire during the run: renewed through getToken, nothing missed ---
  const expiredBefore = await disconnects('expired');
  const callsBefore = tokenCalls.length;
  const lifetime = Number(process.env.HERALD_TOKEN_EXPIRY ?? '30');
  const flow5 = produce('token expiry');
  await eventually(async () => (await disconnects('expired')) > expiredBefore,
    'a stream ends at token expiry (auth-expired)', undefined, (lifetime + 30) * 1000);
  await sleep(2000);
  const fifth = await flow5.stop();
  check(tokenCalls.length > callsBefore, 'getToken was not called again after the token expired');
  await expectAll(tabs, fifth);
  for (const page of tabs) {
    const all = await page.evaluate(() => window.received.map((r) => r.id));
    check(new Set(all).size === all.length, 'a tab received an event twice');
  }
  log(`a token expired (auth-expired) while ${fifth.length} notes were written: getToken was called `
    + `${tokenCalls.length - callsBefore} more time(s), every tab got every note exactly once`);

  // --- 6. checkpoints: bob's notes are not for alice, yet her position moves past them in every tab ---
  const before = await Promise.all(tabs.map((page) =>
    page.evaluate(() => ({ id: window.client.lastEventId, received: window.received.length }))));
  for (let i = 0; i < 3; i++) await createNote(`bob's ${run} #${i}`, 'bob');
  await eventually(async () => {
    const now = await Promise.all(tabs.map((page) => page.evaluate(() => window.client.lastEventId)));
    return now.every((id, i) => id && id !== before[i].id) && new Set(now).size === 1;
  }, "an id-only checkpoint moves every tab's resume position to the same id", undefined, 40_000);
  const after = await Promise.all(tabs.map((page) => page.evaluate(() => window.received.length)));
  check(after.every((count, i) => count === before[i].received), 'a tab received one of bob\'s notes');
  log("bob wrote 3 notes: no tab got an event, and a checkpoint moved every tab's resume position to the same id");
  await context.close();
}

// --- the stack ------------------------------------------------------------------------------------------------------

// a fresh access token for a demo user from the issuer (the password grant of the development issuer)
async function token(user) {
  const response = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'herald-cli', scope: 'openid', username: user, password: 'demo' }),
  });
  check(response.ok, `the issuer answered ${response.status}`);
  return (await response.json()).access_token;
}

async function createNotes(label, count) {
  const titles = [];
  for (let i = 0; i < count; i++) titles.push(await createNote(`${label} ${run} #${i}`));
  return titles;
}

async function createNote(title, user = 'alice') {
  const response = await fetch(`${notesUrl}/notes`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${await token(user)}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title, content: 'written by client-tabs.mjs' }),
  });
  check(response.status === 201, `POST /notes answered ${response.status}`);
  return title;
}

// writes a note every 150 ms until stopped; stop() returns the titles written
function produce(label) {
  const titles = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      titles.push(await createNote(`${label} ${run} #${i}`));
      await sleep(150);
    }
  })();
  return { stop: async () => { running = false; await loop; return titles; } };
}

async function connections() {
  let total = 0;
  for (const gateway of gateways) {
    const value = await metric(gateway, /^herald_gateway_connections(?:\{[^}]*\})? (\S+)$/m);
    total += value ?? 0;
  }
  return total;
}

async function disconnects(reason) {
  let total = 0;
  const pattern = new RegExp(`^herald_gateway_disconnects_total\\{[^}]*reason="${reason}"[^}]*\\} (\\S+)$`, 'm');
  for (const gateway of gateways) total += (await metric(gateway, pattern)) ?? 0;
  return total;
}

async function metric(gateway, pattern) {
  try {
    const text = await (await fetch(`${gateway}/actuator/prometheus`)).text();
    const match = text.match(pattern);
    return match ? Number(match[1]) : 0;
  } catch {
    return null; // a stopped instance
  }
}

async function stopProcess(name) {
  await promisify(execFile)('bash', [stackScript, 'stop', name], { timeout: 60_000 });
}

// --- what the tabs show ---------------------------------------------------------------------------------------------

async function leaderTabs(tabs) {
  const flags = await Promise.all(tabs.map((page) => page.evaluate(() => window.client.isLeader)));
  return tabs.filter((_, i) => flags[i]);
}

// every tab shows each of the titles exactly once (and never one twice)
async function expectAll(tabs, titles) {
  await eventually(async () => {
    for (const page of tabs) {
      const got = await page.evaluate(() => window.received.map((r) => r.title));
      if (!titles.every((title) => got.includes(title))) return false;
    }
    return true;
  }, `every tab gets the ${titles.length} notes`, async () => {
    const missing = [];
    for (const [i, page] of tabs.entries()) {
      const got = await page.evaluate(() => window.received.map((r) => r.title));
      missing.push(`tab ${i}: missing ${titles.filter((title) => !got.includes(title)).join(', ') || 'none'}`);
    }
    return missing.join('; ');
  });
  for (const [i, page] of tabs.entries()) {
    const got = await page.evaluate(() => window.received.map((r) => r.title));
    for (const title of titles) {
      const times = got.filter((t) => t === title).length;
      check(times === 1, `tab ${i} got “${title}” ${times} times`);
    }
  }
}

// --- helpers ----------------------------------------------------------------------------------------------------------

async function eventually(condition, what, detail, timeout = WAIT) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${timeout} ms: ${what}${detail ? ` (${await detail()})` : ''}`);
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (see the top of this script)`);
  return value;
}

// --- run -------------------------------------------------------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: process.env.HERALD_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  chromiumSandbox: false,
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  await scenario();
  log('all checks passed');
} finally {
  await browser.close();
}
