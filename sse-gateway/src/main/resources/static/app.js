// Herald dashboard: sign in with the issuer (authorization code + PKCE), read and write notes through
// notes-service, and follow changes live over SSE (native EventSource with the gateway's session cookie).
// Plain ES module, no build step.

const $ = (selector) => document.querySelector(selector);
const TOKEN_KEY = 'herald.tokens';
const PKCE_KEY = 'herald.pkce';
const EVENT_NAMES = ['notes:created', 'notes:updated', 'notes:deleted'];

let config;        // GET /config.json: { issuer, clientId, notesUrl, gateways }
let discovery;     // the issuer's OpenID configuration
let tokens;        // { access_token, refresh_token, expires_at }
let gateways;      // the gateway instances' base URLs, this page's own first
let current = 0;   // index in gateways of the instance the stream uses (or tries next)
let source;        // the EventSource
let lastEventId = ''; // the id of the last event seen, for resuming on any instance
let everLive = false; // whether a stream was ever open: every later open is a reconnect
let failures = 0;  // connection attempts that failed since the stream was last live
let retryTimer;
const notes = new Map();
const drafts = new Map(); // note id → { title, content, version } of an open editor: kept when the list re-renders

// --- start ----------------------------------------------------------------------------------------------------------

async function main() {
  config = await getJson('/config.json');
  gateways = gatewayList(config.gateways);
  discovery = await getJson(`${config.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);

  const params = new URLSearchParams(location.search);
  if (params.has('code') || params.has('error')) {
    history.replaceState(null, '', location.pathname);
    await finishSignIn(params);
  }
  tokens = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null');
  if (!tokens || tokens.expires_at <= Date.now()) {
    tokens = tokens?.refresh_token ? await refresh(tokens.refresh_token) : null;
  }
  if (!tokens) {
    showSignedOut();
    return;
  }
  showSignedIn();
  await loadNotes();
  await connect();
}

// --- sign-in: authorization code with PKCE --------------------------------------------------------------------------

async function signIn() {
  const verifier = randomString(48);
  const state = randomString(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid',
    state,
    code_challenge: await sha256(verifier),
    code_challenge_method: 'S256',
  });
  location.assign(url);
}

async function finishSignIn(params) {
  const pkce = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null');
  sessionStorage.removeItem(PKCE_KEY);
  if (params.has('error') || !pkce || params.get('state') !== pkce.state) {
    showMessage(`Sign-in failed: ${params.get('error_description') ?? params.get('error') ?? 'unexpected response'}`);
    return;
  }
  store(await tokenRequest({
    grant_type: 'authorization_code',
    code: params.get('code'),
    redirect_uri: redirectUri(),
    client_id: config.clientId,
    code_verifier: pkce.verifier,
  }));
}

async function refresh(refreshToken) {
  try {
    return store(await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: config.clientId }));
  } catch {
    sessionStorage.removeItem(TOKEN_KEY);
    return null;
  }
}

async function tokenRequest(form) {
  const response = await fetch(discovery.token_endpoint, { method: 'POST', body: new URLSearchParams(form) });
  if (!response.ok) {
    throw new Error(`token endpoint answered ${response.status}`);
  }
  return response.json();
}

function store(answer) {
  tokens = {
    access_token: answer.access_token,
    refresh_token: answer.refresh_token,
    expires_at: Date.now() + (answer.expires_in ?? 300) * 1000 - 10_000,
  };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify(tokens));
  return tokens;
}

async function signOut() {
  source?.close();
  clearTimeout(retryTimer);
  source = null;
  everLive = false;
  failures = 0;
  lastEventId = '';
  await fetch('/events/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => {});
  sessionStorage.removeItem(TOKEN_KEY);
  tokens = null;
  notes.clear();
  setConnection('offline');
  showSignedOut();
}

const redirectUri = () => `${location.origin}${location.pathname}`;

// --- notes through notes-service -----------------------------------------------------------------------------------

async function api(path, options = {}) {
  if (tokens.expires_at <= Date.now() && !(await refresh(tokens.refresh_token))) {
    await signOut();
    throw new Error('Your session ended; sign in again.');
  }
  const response = await fetch(`${config.notesUrl.replace(/\/$/, '')}${path}`, {
    ...options,
    headers: { Authorization: `Bearer ${tokens.access_token}`, ...(options.headers ?? {}) },
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

// --- live updates: native EventSource with the session cookie ------------------------------------------------------
//
// The stream may come from any gateway instance (each reads every partition of the topic). When it fails, the page
// moves on to the next instance in the list and, once live again, reloads the notes list, so a change made while it
// was cut off still shows; the last event id goes along as ?lastEventId= for instances that can resume from it.

function gatewayList(configured) {
  const own = location.origin;
  const others = (Array.isArray(configured) ? configured : [])
    .map((url) => new URL(url, location.href).origin)
    .filter((origin) => origin !== own);
  return [own, ...new Set(others)];
}

async function connect() {
  clearTimeout(retryTimer);
  source?.close();
  const gateway = gateways[current];
  setConnection(everLive || failures > 0 ? 'reconnecting' : 'connecting', gateway);
  try {
    // the gateway turns the bearer token into an HttpOnly cookie, which EventSource sends on every (re)connect;
    // cookies are per host, not per port, so it serves every local instance alike
    const session = await fetch(`${gateway}/events/session`, {
      method: 'POST',
      credentials: 'include',
      headers: { Authorization: `Bearer ${tokens.access_token}` },
    });
    if (!session.ok) throw new Error(`session: ${session.status}`);
  } catch {
    failover();
    return;
  }
  const url = new URL('/events', gateway);
  if (lastEventId) url.searchParams.set('lastEventId', lastEventId);
  const stream = new EventSource(url, { withCredentials: true });
  source = stream;
  stream.onopen = () => {
    const reconnected = everLive || failures > 0;
    everLive = true;
    failures = 0;
    setConnection('live', gateway);
    // a new EventSource on another instance may not resume where the last one stopped: reload the list
    if (reconnected) {
      loadNotes()
        .then(() => logLine(`reconnected via ${new URL(gateway).host}; list reloaded`))
        .catch(() => {});
    }
  };
  stream.onerror = () => {
    if (stream === source) failover(); // the instance went away, refused the stream or ended it: try the next one
  };
  for (const name of EVENT_NAMES) {
    stream.addEventListener(name, (message) => {
      if (message.lastEventId) lastEventId = message.lastEventId;
      const event = JSON.parse(message.data);
      apply(event.action, event.data, { actor: event.user?.id ?? 'someone' });
    });
  }
  stream.addEventListener('reset', async () => {
    setConnection('reset', gateway);
    await loadNotes().catch(() => {});
    setConnection('live', gateway);
  });
  stream.addEventListener('auth-expired', async () => {
    stream.close();
    if (await refresh(tokens.refresh_token)) {
      connect();
    } else {
      showMessage('Your session ended; sign in again.');
      signOut();
    }
  });
}

// Next instance, soon: the first try after a failure goes to another instance at once (with a little jitter, so the
// clients of a stopped instance do not all arrive together); once every instance has failed, back off up to 30 s.
function failover() {
  source?.close();
  source = null;
  failures++;
  current = (current + 1) % gateways.length;
  setConnection('reconnecting', gateways[current]);
  const rounds = Math.floor((failures - 1) / gateways.length);
  const base = rounds === 0 ? 500 : Math.min(30_000, 1000 * 2 ** Math.min(rounds, 5));
  const delay = base * (0.5 + Math.random() / 2);
  retryTimer = setTimeout(async () => {
    if (tokens && tokens.expires_at <= Date.now() && !(await refresh(tokens.refresh_token))) {
      signOut();
      return;
    }
    if (tokens) connect();
  }, delay);
}

function setConnection(state, gateway) {
  const badge = $('#connection');
  badge.dataset.state = state;
  badge.textContent = state;
  const via = $('#via');
  if (gateway && state !== 'offline') {
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

function showSignedIn() {
  const claims = JSON.parse(atob(tokens.access_token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  const roles = claims.roles ?? claims.realm_access?.roles ?? [];
  $('#who').textContent = `${claims.preferred_username ?? claims.sub} (${roles.join(', ') || 'no roles'})`;
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

async function sha256(text) {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}

function base64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

$('#sign-in').addEventListener('click', signIn);
$('#sign-out').addEventListener('click', signOut);
$('#create').addEventListener('submit', createNote);
main().catch((error) => showMessage(`The dashboard could not start: ${error.message}`));
