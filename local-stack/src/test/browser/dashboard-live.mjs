// Herald's dashboard in a real browser (Debian's Chromium driven by playwright-core), against a running local stack.
// DashboardBrowserIT starts the stack and runs this script; it can also run by hand against `./stack up`:
//
//   HERALD_GATEWAYS=http://localhost:8081,http://localhost:8082 HERALD_STACK_SCRIPT=./stack \
//     node local-stack/src/test/browser/dashboard-live.mjs
//
// alice, bob and admin sign in through the issuer (authorization code + PKCE), each in a browser context of their own.
// alice creates, edits and deletes a note: alice and admin see every change arrive on their streams, bob sees none.
// An editor open on admin's page survives a live change to the list.
// Then the gateway instance alice's stream uses is stopped: her page shows `reconnecting`, admin edits alice's note
// while she is cut off, and her page comes back live on the other instance with that edit on it.
// Last, admin signs out (through the issuer's end-session endpoint) and bob signs in on the same page: his own events
// arrive, none of alice's or admin's, and no token is left in web storage. Last, an id_token altered on its way from
// the token endpoint is refused.
//
// Environment: HERALD_GATEWAYS (the gateways' base URLs, in ./stack's order: sse-gateway-1, -2, ...),
// HERALD_STACK_SCRIPT (the stack script, for `stop`; HERALD_STACK_DIR and the ports are passed on to it),
// HERALD_SCREENSHOT_DIR (default: the working directory), HERALD_CHROMIUM (default /usr/bin/chromium).
// Prints one line per step; exits non-zero on the first failed check.

import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const gateways = required('HERALD_GATEWAYS').split(',').map((url) => new URL(url).origin);
const stackScript = required('HERALD_STACK_SCRIPT');
const screenshotDir = process.env.HERALD_SCREENSHOT_DIR ?? '.';
const WAIT = 30_000;          // the longest any single step may take (the machine may be busy)
const RECONNECT_WAIT = 60_000; // back-off after failed reconnects grows to a few seconds per attempt
const run = Date.now().toString(36); // titles unique to this run

const started = Date.now();
const log = (message) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

async function scenario() {
  // alice on the first instance; bob and admin on the second
  const alice = await signIn('alice', gateways[0]);
  const bob = await signIn('bob', gateways[1]);
  const admin = await signIn('admin', gateways[1]);
  const bobSaw = await recordTextsSeen(bob.page);

  // --- alice creates, edits and deletes a note; alice and admin see each change live, bob none ---
  const title = `Groceries ${run}`;
  const edited = `Groceries ${run} (oat milk)`;
  await create(alice.page, title, 'milk, bread');
  await expectLiveActivity([alice, admin], `alice created “${title}”`);
  await expectNote(admin.page, title);
  log('created: alice and admin saw it live');

  await edit(alice.page, title, edited, 'milk, bread, oat milk');
  await expectLiveActivity([alice, admin], `alice updated “${edited}”`);
  await expectNote(admin.page, edited);
  log('edited: alice and admin saw it live');

  await noteItem(alice.page, edited).getByRole('button', { name: 'Delete' }).click();
  await expectLiveActivity([alice, admin], `alice deleted “${edited}”`);
  await expectNoNote(alice.page, edited);
  await expectNoNote(admin.page, edited);
  log('deleted: alice and admin saw it live');

  // bob's stream is live and would show his own changes: it just never carried alice's
  const bobs = `Bob's reminder ${run}`;
  await create(bob.page, bobs, 'call the plumber');
  await expectLiveActivity([bob, admin], `bob created “${bobs}”`);
  const leaked = (await bobSaw()).filter((text) => text.includes(title));
  check(leaked.length === 0, `bob's page showed alice's note: ${leaked.join(' | ')}`);
  check(!(await activityTexts(alice.page)).some((text) => text.includes(bobs)), "alice's page showed bob's note");
  log("bob's page never showed alice's note (his own change did arrive on it)");

  // --- the instance alice's stream uses stops: reconnecting, then live on the other one, nothing missed ---
  // (meanwhile admin has begun editing bob's note: the live change re-renders admin's list, the open editor stays)
  const bobsEditor = noteItem(admin.page, bobs).locator('form.editor');
  await noteItem(admin.page, bobs).getByRole('button', { name: 'Edit' }).click();
  await bobsEditor.getByLabel('Title').fill(`${bobs}, half-typed`);
  const plan = `Trip plan ${run}`;
  await create(alice.page, plan, 'day 1: the coast');
  await expectNote(admin.page, plan);
  check(await bobsEditor.isVisible() && await bobsEditor.getByLabel('Title').inputValue() === `${bobs}, half-typed`,
    "a live change closed the editor admin had open, or lost what was typed in it");
  await bobsEditor.getByRole('button', { name: 'Cancel' }).click();
  log("alice's next note arrived on admin's page while admin was editing another note; the editor kept its text");
  const aliceGateway = await gatewayOf(alice.page);
  const index = gateways.indexOf(aliceGateway);
  check(index >= 0, `alice's page streams from ${aliceGateway}, not one of ${gateways.join(', ')}`);
  const others = gateways.filter((gateway) => gateway !== aliceGateway);
  const aliceStates = await recordConnectionStates(alice.page);

  // Keep alice away from the other instances too, for a moment, so that admin's edit surely happens while her page
  // has no stream at all: only the recovery can bring it.
  await alice.context.route((url) => others.includes(url.origin), (route) => route.abort('connectionrefused'));
  await stopProcess(`sse-gateway-${index + 1}`);
  log(`stopped sse-gateway-${index + 1} (${aliceGateway}), the instance alice's page streamed from`);
  await expectConnection(alice.page, 'reconnecting');
  log("alice's page shows reconnecting");

  const whileAway = `Trip plan ${run}: day 2 added while alice was away`;
  await edit(admin.page, plan, whileAway, 'day 1: the coast\nday 2: the hills');
  await expectNote(admin.page, whileAway);
  await expectNote(alice.page, plan); // still the old title: she is cut off
  check(await connectionState(alice.page) !== 'live', "alice's page claims to be live with no gateway reachable");
  log('admin edited alice\'s note while her page had no stream');

  await alice.context.unrouteAll();
  await alice.page.locator('#connection[data-state="live"]').waitFor({ timeout: RECONNECT_WAIT });
  const newGateway = await gatewayOf(alice.page);
  check(others.includes(newGateway), `alice's page went live on ${newGateway}, expected one of ${others.join(', ')}`);
  // the resume, not the list reload, brings the edit: the activity log holds only what came over the stream
  await expectLiveActivity([alice], `admin updated “${whileAway}”`);
  await expectNote(alice.page, whileAway);
  await expectNoNote(alice.page, plan);
  const states = await aliceStates();
  check(states.indexOf('reconnecting') >= 0 && states.lastIndexOf('live') > states.indexOf('reconnecting'),
    `alice's connection states were ${states.join(' → ')}`);
  log(`alice's page is live again on ${newGateway} with admin's edit on it (states: ${compress(states).join(' → ')})`);

  // and the new stream carries changes: admin edits the note again, alice sees it live
  const dayThree = `Trip plan ${run}: three days`;
  await edit(admin.page, whileAway, dayThree, 'day 1: the coast\nday 2: the hills\nday 3: home');
  await expectLiveActivity([alice], `admin updated “${dayThree}”`);
  await expectNote(alice.page, dayThree);
  log("admin's next edit reached alice's page live through the other instance");

  const leakedLater = (await bobSaw()).filter((text) => text.includes(title) || text.includes(plan));
  check(leakedLater.length === 0, `bob's page showed alice's notes: ${leakedLater.join(' | ')}`);
  check(await connectionState(bob.page) === 'live', "bob's page is no longer live");
  log("bob's page, still live, never showed any of alice's notes");

  // --- admin signs out (the issuer's session ends too), bob signs in on the same page: nothing he may not read shows ---
  // (admin's page lives on the instance that kept running)
  const page = admin.page;
  const home = new URL(page.url()).origin;
  check(home !== aliceGateway, `admin's page is on ${home}, the stopped instance`);
  const endSession = (await discovery(home)).end_session_endpoint;
  check(endSession, "the issuer's discovery names no end_session_endpoint");
  const endSessionCalls = [];
  page.on('request', (request) => { if (request.url().startsWith(endSession)) endSessionCalls.push(request.url()); });
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  check(endSessionCalls.length === 1, `sign-out went to the issuer's end-session endpoint ${endSessionCalls.length} times`);
  check(new URL(endSessionCalls[0]).searchParams.has('id_token_hint'), 'sign-out did not name the session (id_token_hint)');
  check(await connectionState(page) === 'offline', `the signed-out page is ${await connectionState(page)}`);
  check(await page.locator('#notes > li').count() === 0, "admin's notes are still on the signed-out page");
  check(!(await storedTokens(page)), 'a token was left in web storage after sign-out');
  log("admin signed out through the issuer's end-session endpoint; the page shows no notes and holds no token");

  // the issuer's login page again: bob signs in, in the very page admin used
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: /^Sign in as bob\b/ }).click();
  await page.waitForURL(`${home}/**`);
  await page.locator('#who').filter({ hasText: 'bob' }).waitFor();
  await expectConnection(page, 'live');
  const bobThere = await recordTextsSeen(page);
  const secret = `Alice's secret ${run}`;
  await createAs(home, 'alice', secret, 'for alice only');
  await createAs(home, 'admin', `${secret} (admin's)`, 'admin may write; bob may not read');
  const bobsOwn = `Bob again ${run}`;
  await create(page, bobsOwn, 'bob is signed in here now');
  await expectLiveActivity([{ page }], `bob created “${bobsOwn}”`); // the stream is live and carries bob's events
  await expectLiveActivity([bob], `bob created “${bobsOwn}”`);
  const seen = (await bobThere()).concat(await activityTexts(page), await page.locator('#notes').allTextContents());
  check(!seen.some((text) => text.includes(secret) || text.includes(title) || text.includes(plan)),
    `after admin signed out and bob signed in, the page showed others' notes: ${seen.filter((t) => t.includes(run)).join(' | ')}`);
  check(!(await storedTokens(page)), 'a token sits in web storage');
  log("bob signed in on the same page: his own note arrived live, none of alice's or admin's appeared");

  // --- an id_token altered on its way from the token endpoint (its signature no longer matches) is refused ---
  const forged = await browser.newContext();
  forged.setDefaultTimeout(WAIT);
  const tokenEndpoint = (await discovery(home)).token_endpoint;
  await forged.route(tokenEndpoint, async (route) => {
    const response = await route.fetch();
    const answer = await response.json();
    const [header, payload, signature] = answer.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.sub = 'admin';
    answer.id_token = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    await route.fulfill({ response, json: answer });
  });
  const forgedPage = await forged.newPage();
  await forgedPage.goto(`${home}/`);
  await forgedPage.getByRole('button', { name: 'Sign in' }).click();
  await forgedPage.getByRole('button', { name: /^Sign in as bob\b/ }).click();
  await forgedPage.locator('#message', { hasText: 'Sign-in failed' }).waitFor();
  check(await forgedPage.locator('#signed-in').isHidden(), 'the page signed in with an altered id_token');
  check(await connectionState(forgedPage) === 'offline', 'the page opened a stream with an altered id_token');
  log(`an altered id_token was refused: “${await forgedPage.locator('#message').textContent()}”`);
  await forged.close();

  mkdirSync(screenshotDir, { recursive: true });
  for (const user of [alice, bob, { name: 'bob-after-admin', page }]) {
    await user.page.screenshot({ path: join(screenshotDir, `dashboard-${user.name}.png`), fullPage: true });
  }
  log(`screenshots in ${screenshotDir}`);
}

// --- steps ------------------------------------------------------------------------------------------------------------

// The development issuer's login form has, rarely and only on a busy machine, left the browser's navigation hanging
// (seen 2 times in about 10 runs; the cause is not found yet). Login is not what this test is about, so one stuck
// sign-in is retried in a fresh context, and the log says so; a second failure fails the test.
async function signIn(name, gateway) {
  try {
    return await signInOnce(name, gateway);
  } catch (error) {
    log(`${name}'s sign-in did not complete (${error.message.split('\n')[0]}); retrying once in a fresh context`);
    return await signInOnce(name, gateway);
  }
}

async function signInOnce(name, gateway) {
  const context = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  context.setDefaultTimeout(WAIT);
  try {
    const page = await context.newPage();
    page.on('pageerror', (error) => console.log(`  [${name}'s page] ${error.message}`));
    await page.goto(`${gateway}/`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // the development issuer's login page: one button per demo user
    await page.getByRole('button', { name: new RegExp(`^Sign in as ${name}\\b`) }).click();
    await page.waitForURL(`${gateway}/**`);
    await page.locator('#who').filter({ hasText: name }).waitFor();
    await expectConnection(page, 'live');
    log(`${name} signed in on ${gateway}, stream live via ${await gatewayOf(page)}`);
    return { name, context, page };
  } catch (error) {
    await context.close();
    throw error;
  }
}

async function create(page, title, content) {
  const form = page.locator('#create');
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Content').fill(content);
  await form.getByRole('button', { name: 'Create' }).click();
  await expectNote(page, title);
}

async function edit(page, title, newTitle, newContent) {
  const item = noteItem(page, title);
  await item.getByRole('button', { name: 'Edit' }).click();
  const editor = item.locator('form.editor');
  await editor.getByLabel('Title').fill(newTitle);
  await editor.getByLabel('Content').fill(newContent);
  await editor.getByRole('button', { name: 'Save' }).click();
}

async function discovery(gateway) {
  const config = await (await fetch(`${gateway}/config.json`)).json();
  return (await fetch(`${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)).json();
}

// a note written by a user through the API (a password-grant token from the development issuer)
async function createAs(gateway, user, title, content) {
  const config = await (await fetch(`${gateway}/config.json`)).json();
  const answer = await (await fetch(`${config.issuer.replace(/\/$/, '')}/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', client_id: 'herald-cli', scope: 'openid', username: user, password: 'demo' }),
  })).json();
  const response = await fetch(`${config.notesUrl.replace(/\/$/, '')}/notes`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${answer.access_token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ title, content }),
  });
  check(response.status === 201, `POST /notes as ${user} answered ${response.status}`);
}

// whether anything in the page's web storage looks like a token (a JWT) or the library's user record
async function storedTokens(page) {
  return page.evaluate(() => [localStorage, sessionStorage].some((store) => Object.keys(store).some((key) =>
    /oidc\.user|token/i.test(key) || /eyJ[\w-]+\.[\w-]+\./.test(store.getItem(key)))));
}

async function stopProcess(name) {
  await promisify(execFile)('bash', [stackScript, 'stop', name], { timeout: 60_000 });
}

// --- what the page shows ----------------------------------------------------------------------------------------------

const noteItem = (page, title) => page.locator('#notes > li.note').filter({
  has: page.locator('h3.title', { hasText: new RegExp(`^${escape(title)}$`) }),
});

async function expectNote(page, title) {
  await noteItem(page, title).waitFor({ state: 'visible' });
}

async function expectNoNote(page, title) {
  await noteItem(page, title).waitFor({ state: 'detached' });
}

// the activity log lists what arrived over the stream (never the page's own API answers)
async function expectLiveActivity(users, text) {
  await Promise.all(users.map(({ page }) => page.locator('#activity > li', { hasText: text }).first().waitFor()));
}

const activityTexts = (page) => page.locator('#activity > li').allTextContents();

async function expectConnection(page, state) {
  await page.locator(`#connection[data-state="${state}"]`).waitFor({ timeout: state === 'live' ? RECONNECT_WAIT : WAIT });
}

const connectionState = (page) => page.locator('#connection').getAttribute('data-state');
const gatewayOf = (page) => page.locator('#connection').getAttribute('data-gateway');

// Every state the badge takes from now on (some last only a moment); returns a function that reads them.
async function recordConnectionStates(page) {
  await page.evaluate(() => {
    const badge = document.querySelector('#connection');
    window.heraldStates = [badge.dataset.state];
    new MutationObserver(() => window.heraldStates.push(badge.dataset.state))
      .observe(badge, { attributes: true, attributeFilter: ['data-state'] });
  });
  return () => page.evaluate(() => window.heraldStates);
}

// Every text that appears in the notes list or the activity log from now on, even for a moment.
async function recordTextsSeen(page) {
  await page.evaluate(() => {
    window.heraldSeen = [];
    const observer = new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        for (const node of mutation.addedNodes) window.heraldSeen.push(node.textContent);
      }
    });
    for (const id of ['#notes', '#activity']) observer.observe(document.querySelector(id), { childList: true, subtree: true });
  });
  return () => page.evaluate(() => window.heraldSeen);
}

// --- helpers ----------------------------------------------------------------------------------------------------------

function check(condition, message) {
  if (!condition) throw new Error(message);
}

function compress(states) {
  return states.filter((state, i) => state !== states[i - 1]);
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
  chromiumSandbox: false, // --no-sandbox: CI runs as root
  args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  await scenario();
  log('all checks passed');
} finally {
  await browser.close();
}
