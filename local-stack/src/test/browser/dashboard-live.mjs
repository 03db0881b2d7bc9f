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

  mkdirSync(screenshotDir, { recursive: true });
  for (const user of [alice, bob, admin]) {
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
