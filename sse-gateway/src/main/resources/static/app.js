// Herald dashboard: sign in with the issuer (OpenID Connect authorization code flow with PKCE, state and nonce, through
// oidc-client-ts; the id_token's signature and claims are checked here), read and write notes through notes-service,
// and follow changes live with herald-client.js (one stream per browser shared by the tabs, failover, resume).
// Plain ES module, no build step. Tokens live in memory only: after a reload the page asks to sign in again (with the
// issuer's session, a click); only the sign-in's own state (state, nonce, PKCE verifier) sits in sessionStorage across
// the redirect.

import { connect } from './herald-client.js';

const $ = (selector) => document.querySelector(selector);
const { UserManager, WebStorageStateStore, InMemoryWebStorage } = globalThis.oidc; // vendor/oidc-client-ts.min.js

let config;        // GET /config.json: { issuer, clientId, notesUrl, gateways }
let manager;       // oidc-client-ts UserManager
let user;          // the signed-in user (tokens, id_token claims as profile)
let herald;        // the herald-client stream
const notes = new Map();
const drafts = new Map(); // note id → { title, content, version } of an open editor: kept when the list re-renders

// --- start ----------------------------------------------------------------------------------------------------------

async function main() {
  config = await getJson('/config.json');
  const home = `${location.origin}${location.pathname}`;
  manager = new UserManager({
    authority: config.issuer,
    client_id: config.clientId,
    redirect_uri: home,
    post_logout_redirect_uri: home,
    response_type: 'code',
    scope: 'openid',
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: sessionStorage, prefix: 'herald.signin.' }),
    automaticSilentRenew: true, // with the refresh token, before the access token expires
    loadUserInfo: false,
  });
  manager.events.addSilentRenewError(() => showMessage('Your session could not be renewed; sign in again.'));

  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) {
    try {
      const signedIn = await manager.signinRedirectCallback();
      await verifyIdToken(signedIn.id_token);
      user = signedIn;
    } catch (error) {
      await manager.removeUser();
      showMessage(`Sign-in failed: ${error.message}`);
    } finally {
      history.replaceState(null, '', location.pathname); // the code and state leave the address bar and history
    }
  }
  await manager.clearStaleState();
  if (!user) {
    showSignedOut();
    return;
  }
  showSignedIn();
  await loadNotes();
  follow();
}

// --- sign-in and sign-out through the issuer -------------------------------------------------------------------------

async function signIn() {
  await manager.signinRedirect({ nonce: randomString(16) }); // state and PKCE are oidc-client-ts's own
}

async function signOut() {
  const idToken = user?.id_token;
  await stopFollowing();
  user = null;
  notes.clear();
  await manager.removeUser();
  // ends the session at the issuer too (its end_session_endpoint), then comes back here signed out
  await manager.signoutRedirect({ id_token_hint: idToken });
}

// A current access token: the stored one while it has a little life left, else a renewed one (refresh token).
async function accessToken({ forceRefresh = false } = {}) {
  if (!user) throw new Error('signed out');
  if (forceRefresh || user.expired || (user.expires_in ?? 0) < 10) {
    const renewed = await manager.signinSilent();
    if (!renewed) throw new Error('the session could not be renewed');
    await verifyIdToken(renewed.id_token, user.profile.sub);
    user = renewed;
  }
  return user.access_token;
}

// OpenID Connect Core 3.1.3.7: the id_token is signed by the issuer (its JWKS), names the issuer, is meant for this
// client, and has not expired; oidc-client-ts has already checked state, nonce and, on renewal, the subject.
async function verifyIdToken(idToken, expectedSubject) {
  if (!idToken) throw new Error('no id_token in the answer');
  const [header, payload, signature] = idToken.split('.');
  const jose = JSON.parse(decodeBase64url(header));
  const claims = JSON.parse(decodeBase64url(payload));
  const algorithm = { RS256: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, ES256: { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } }[jose.alg];
  if (!algorithm) throw new Error(`id_token signed with ${jose.alg}, which this page does not accept`);
  const metadata = await manager.metadataService.getMetadata();
  const keys = (await getJson(metadata.jwks_uri)).keys.filter((key) => !jose.kid || key.kid === jose.kid);
  const data = new TextEncoder().encode(`${header}.${payload}`);
  const bytes = base64urlBytes(signature);
  let valid = false;
  for (const jwk of keys) {
    const key = await crypto.subtle.importKey('jwk', jwk, algorithm, false, ['verify']).catch(() => null);
    if (key && await crypto.subtle.verify(algorithm, key, bytes, data)) { valid = true; break; }
  }
  if (!valid) throw new Error('the id_token signature does not verify with the issuer\'s keys');
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.iss !== metadata.issuer) throw new Error('the id_token comes from another issuer');
  if (!audiences.includes(config.clientId)) throw new Error('the id_token is not meant for this page');
  if (audiences.length > 1 && claims.azp && claims.azp !== config.clientId) throw new Error('the id_token names another party');
  if (!(claims.exp * 1000 > Date.now() - 60_000)) throw new Error('the id_token has expired');
  if (expectedSubject && claims.sub !== expectedSubject) throw new Error('the renewed id_token is of another user');
}

// --- notes through notes-service -----------------------------------------------------------------------------------

async function api(path, options = {}) {
  let token;
  try {
    token = await accessToken();
  } catch {
    throw new Error('Your session ended; sign in again.');
  }
  const response = await fetch(`${config.notesUrl.replace(/\/$/, '')}${path}`, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, ...(options.headers ?? {}) },
  });
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    const error = new Error(problem.detail ?? problem.title ?? `notes-service answered ${response.status}`);
    error.status = response.status;
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

async function loadNotes() {
  const page = await api('/notes?size=100');
  notes.clear();
  for (const note of page.items) notes.set(note.id, note);
  render();
}

async function createNote(event) {
  event.preventDefault();
  const form = event.target;
  await guarded(async () => {
    const note = await api('/notes', json('POST', formValues(form)));
    apply('created', note);
    form.reset();
  });
}

// If-Match carries the version the edit started from: a change made meanwhile by someone else is not overwritten
async function saveNote(form, note, version) {
  await guarded(async () => {
    try {
      const saved = await api(`/notes/${note.id}`, json('PUT', formValues(form), { 'If-Match': `"${version}"` }));
      drafts.delete(note.id);
      apply('updated', saved);
    } catch (error) {
      if (error.status === 412) {
        drafts.delete(note.id);
        await loadNotes();
        throw new Error('Someone changed this note meanwhile; the list is reloaded.');
      }
      throw error;
    }
  });
}

async function deleteNote(note) {
  await guarded(async () => {
    await api(`/notes/${note.id}`, { method: 'DELETE' });
    apply('deleted', note);
  });
}

const json = (method, body, headers = {}) =>
  ({ method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });
const formValues = (form) => ({ title: form.elements.title.value.trim(), content: form.elements.content.value });

// --- live updates through herald-client.js ---------------------------------------------------------------------------
//
// The client holds one stream per browser for this user (the tabs share it), moves it to another gateway instance
// when one fails and resumes from the last id there, so the list stays right without reloading; `reset` (a position
// that cannot be resumed) reloads it.

function follow() {
  herald = connect({
    gateways: gatewayList(config.gateways),
    getToken: accessToken,
    shareKey: user.profile.sub, // never share a stream between two users of one browser
  });
  herald.on('state', (state, { gateway }) => setConnection(state, gateway));
  herald.on('event', (event) => apply(event.action, event.data, { actor: event.user?.id ?? 'someone' }));
  herald.on('reset', async () => {
    await loadNotes().catch(() => {});
    logLine('the stream could not resume; list reloaded');
  });
}

async function stopFollowing() {
  herald?.close();
  herald = null;
  // the stream's session cookie goes too (it is per host: every instance's, where they live on other hosts)
  await Promise.all(gatewayList(config.gateways).map((gateway) =>
    fetch(`${gateway}/events/session`, { method: 'DELETE', credentials: 'include' }).catch(() => {})));
  setConnection('offline');
}

function gatewayList(configured) {
  const own = location.origin;
  const others = (Array.isArray(configured) ? configured : [])
    .map((url) => new URL(url, location.href).origin)
    .filter((origin) => origin !== own);
  return [own, ...new Set(others)];
}

function setConnection(state, gateway) {
  const badge = $('#connection');
  badge.dataset.state = state;
  badge.textContent = state;
  const via = $('#via');
  if (gateway && state !== 'offline' && state !== 'stopped') {
    badge.dataset.gateway = gateway;
    via.textContent = `via ${new URL(gateway).host}`;
    via.hidden = false;
  } else {
    delete badge.dataset.gateway;
    via.hidden = true;
  }
}

// --- state and rendering -------------------------------------------------------------------------------------------

// actor is set for changes that came over the stream: they go to the activity log, even when the page already
// shows them (its own writes)
function apply(action, note, { actor } = {}) {
  if (actor) logActivity(action, note, actor);
  const known = notes.get(note.id);
  if (action === 'deleted') {
    if (!known) return;
    notes.delete(note.id);
    drafts.delete(note.id);
  } else {
    if (known && known.version >= note.version) return; // stale or already applied
    notes.set(note.id, note);
  }
  render(action === 'deleted' ? null : note.id);
}

function render(changedId = null) {
  const list = $('#notes');
  const focused = list.contains(document.activeElement)
    ? { id: document.activeElement.closest('.note')?.dataset.noteId, name: document.activeElement.name }
    : null;
  const sorted = [...notes.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  list.replaceChildren(...sorted.map((note) => noteItem(note, note.id === changedId)));
  if (focused?.id && focused.name) {
    list.querySelector(`[data-note-id="${focused.id}"] [name="${focused.name}"]`)?.focus();
  }
  $('#count').textContent = `(${sorted.length})`;
  $('#empty').hidden = sorted.length > 0;
}

function noteItem(note, changed) {
  const item = $('#note-template').content.firstElementChild.cloneNode(true);
  item.dataset.noteId = note.id;
  item.classList.toggle('changed', changed);
  item.querySelector('.title').textContent = note.title;
  item.querySelector('.content').textContent = note.content;
  item.querySelector('.meta').textContent =
    `by ${note.createdBy} · version ${note.version} · updated ${new Date(note.updatedAt).toLocaleString()}`;
  const view = item.querySelector('.view');
  const editor = item.querySelector('.editor');
  const open = (draft) => {
    editor.elements.title.value = draft.title;
    editor.elements.content.value = draft.content;
    view.hidden = true;
    editor.hidden = false;
  };
  if (drafts.has(note.id)) open(drafts.get(note.id));
  item.querySelector('.edit').addEventListener('click', () => {
    const draft = { title: note.title, content: note.content, version: note.version };
    drafts.set(note.id, draft);
    open(draft);
    editor.elements.title.focus();
  });
  editor.addEventListener('input', () => {
    const draft = drafts.get(note.id);
    if (draft) Object.assign(draft, formValues(editor), { title: editor.elements.title.value });
  });
  item.querySelector('.cancel').addEventListener('click', () => {
    drafts.delete(note.id);
    editor.hidden = true;
    view.hidden = false;
  });
  editor.addEventListener('submit', (event) => {
    event.preventDefault();
    saveNote(editor, note, drafts.get(note.id)?.version ?? note.version);
  });
  item.querySelector('.delete').addEventListener('click', () => deleteNote(note));
  return item;
}

function logActivity(action, note, actor) {
  logLine(`${actor} ${action} “${note.title}”`);
}

function logLine(text) {
  const entry = document.createElement('li');
  entry.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $('#activity').prepend(entry);
  while ($('#activity').children.length > 20) $('#activity').lastElementChild.remove();
}

// who is signed in comes from the verified id_token (the access token is for the APIs, not for this page to read)
function showSignedIn() {
  const claims = user.profile;
  const roles = claims.roles ?? claims.realm_access?.roles ?? [];
  $('#who').textContent = `${claims.preferred_username ?? claims.sub}${roles.length ? ` (${roles.join(', ')})` : ''}`;
  $('#who').hidden = false;
  $('#sign-out').hidden = false;
  $('#signed-out').hidden = true;
  $('#signed-in').hidden = false;
}

function showSignedOut() {
  $('#who').hidden = true;
  $('#sign-out').hidden = true;
  $('#signed-in').hidden = true;
  $('#signed-out').hidden = false;
}

function showMessage(text) {
  const message = $('#message');
  message.textContent = text;
  message.hidden = !text;
}

async function guarded(action) {
  showMessage('');
  try {
    await action();
  } catch (error) {
    showMessage(error.message);
  }
}

// --- helpers -------------------------------------------------------------------------------------------------------

async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.json();
}

function randomString(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64urlBytes(text) {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function decodeBase64url(text) {
  return new TextDecoder().decode(base64urlBytes(text));
}

$('#sign-in').addEventListener('click', signIn);
$('#sign-out').addEventListener('click', signOut);
$('#create').addEventListener('submit', createNote);
main().catch((error) => showMessage(`The dashboard could not start: ${error.message}`));
