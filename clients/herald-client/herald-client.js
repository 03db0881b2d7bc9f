// herald-client: a browser client for Herald's event stream (GET /events on the sse-gateway instances).
// Plain ES module, no dependencies, no build step; types in herald-client.d.ts.
//
//   import { connect } from '/herald-client.js';
//   const herald = connect({ gateways: ['https://gw1.example', 'https://gw2.example'], getToken, shareKey: userId });
//   herald.on('notes:created', (event) => addNote(event.data));
//   herald.on('reset', () => reloadNotes());
//   herald.on('state', (state) => showState(state));
//
// What it does for the page:
// - Session: a bearer token from getToken() buys the gateway's HttpOnly session cookie (POST /events/session); the
//   stream request carries only the cookie. On `auth-expired` (or a 401) it asks getToken() again and reconnects
//   from its last id, so no event is missed.
// - One stream per browser: tabs with the same shareKey elect a leader with a Web Lock; the leader holds the stream
//   and forwards every frame on a BroadcastChannel. When the leader tab closes its lock is released and another tab
//   takes over from the last id it saw (an event's id or an id-only checkpoint); when the leader hangs (no beat for
//   hangTimeout) another tab steals the lock. Events are de-duplicated per tab by their event id, so a hand-over
//   never shows one twice.
// - Failover: the stream is read with fetch() (not EventSource, which gives up for good on any non-200 answer and
//   hides the status): a 503 or 429 is retried after its Retry-After, elsewhere first; a failed or ended stream moves
//   to the next gateway with jittered exponential backoff, resuming from the last id (?lastEventId=, which needs no
//   CORS preflight).

const EVENT_TYPES = ['notes:created', 'notes:updated', 'notes:deleted'];
const SEEN_LIMIT = 5000;

/**
 * Opens (or joins) the stream.
 * @param {import('./herald-client').HeraldClientOptions} options
 * @returns {import('./herald-client').HeraldClient}
 */
export function connect(options) {
  return new HeraldClient(options);
}

export class HeraldClient {
  #options;
  #gateways;
  #types;
  #listeners = new Map();
  #seen = new Set();
  #state = 'connecting';
  #gateway = null;
  #lastEventId = '';
  #leader = false;
  #closed = false;
  #channel = null;
  #name;
  #lockAbort = null;
  #leadership = null; // { abort: AbortController, done: Promise }
  #leaderBeatAt = Date.now();
  #beatAt = 0;
  #beatTimer = null;
  #watchTimer = null;
  #onPageHide = () => this.#pageHide();

  constructor(options) {
    if (typeof options?.getToken !== 'function') throw new TypeError('getToken must be a function returning a token');
    this.#options = {
      hangTimeout: 20_000,
      minBackoff: 500,
      maxBackoff: 30_000,
      defaultRetryAfter: 5_000,
      ...options,
    };
    const gateways = options.gateways?.length ? options.gateways : [globalThis.location?.origin];
    this.#gateways = [...new Set(gateways.map((url) => new URL(url, globalThis.location?.href).origin))];
    this.#types = options.types?.length ? [...new Set(options.types)].sort() : null;
    for (const type of this.#types ?? []) {
      if (!EVENT_TYPES.includes(type)) throw new TypeError(`unknown event type ${type} (known: ${EVENT_TYPES.join(', ')})`);
    }
    this.#lastEventId = options.lastEventId ?? '';
    this.#name = `herald-client:${options.shareKey ?? 'default'}:${(this.#types ?? ['*']).join(',')}:${this.#gateways.join(',')}`;
    const canShare = options.share !== false && typeof BroadcastChannel === 'function' && globalThis.navigator?.locks;
    queueMicrotask(() => (canShare ? this.#startShared() : this.#lead(new AbortController())));
  }

  /** connecting | live | reconnecting | reset | stopped */
  get state() { return this.#state; }
  /** the gateway the stream comes from (the leader tab's), or null */
  get gateway() { return this.#gateway; }
  /** the position the stream resumes from */
  get lastEventId() { return this.#lastEventId; }
  /** whether this tab holds the stream */
  get isLeader() { return this.#leader; }

  /** Adds a listener; returns a function that removes it. */
  on(type, listener) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(listener);
    return () => this.#listeners.get(type)?.delete(listener);
  }

  /** Stops this tab's use of the stream (another tab takes over if this one led). */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#lockAbort?.abort();
    this.#leadership?.abort.abort();
    clearInterval(this.#watchTimer);
    clearInterval(this.#beatTimer);
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    this.#channel?.close();
    this.#setState('stopped', null);
  }

  // --- tabs: leader election and sharing -----------------------------------------------------------------------------

  #startShared() {
    if (this.#closed) return;
    this.#channel = new BroadcastChannel(this.#name);
    this.#channel.onmessage = (message) => this.#fromLeader(message.data);
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    this.#channel.postMessage({ t: 'hello' });
    this.#waitForLock();
    // a leader that hangs keeps its lock: when its beats stop, one follower steals the lock
    this.#watchTimer = setInterval(() => this.#watchLeader(), 1000);
  }

  #waitForLock(steal = false) {
    if (this.#closed) return;
    this.#lockAbort?.abort();
    const abort = new AbortController();
    this.#lockAbort = steal ? null : abort;
    const lockOptions = steal ? { steal: true } : { signal: abort.signal };
    navigator.locks.request(this.#name, lockOptions, () => this.#lead(new AbortController()))
      .then(() => {}, (error) => {
        // aborted by close(), by our own steal, or our lock was stolen (we hung): follow again
        this.#leadership?.abort.abort();
        if (!this.#closed && error?.name === 'AbortError' && !abort.signal.aborted) this.#waitForLock();
      });
  }

  async #watchLeader() {
    if (this.#leader || this.#closed || this.#stealing) return;
    if (Date.now() - this.#leaderBeatAt < this.#options.hangTimeout) return;
    const held = (await navigator.locks.query()).held?.some((lock) => lock.name === this.#name);
    if (!held || this.#leader || this.#closed) return;
    // spread the followers out: the first to steal beats at once, and the others see it before their turn
    this.#stealing = true;
    await sleep(Math.random() * 1000);
    this.#stealing = false;
    if (this.#leader || this.#closed || Date.now() - this.#leaderBeatAt < this.#options.hangTimeout) return;
    this.#leaderBeatAt = Date.now();
    this.#waitForLock(true);
  }
  #stealing = false;

  // runs while this tab holds the lock; returns (releasing it) when it stops leading
  async #lead(abort) {
    if (this.#closed) return;
    this.#leader = true;
    const done = this.#stream(abort.signal);
    this.#leadership = { abort, done };
    this.#beat();
    this.#beatTimer = setInterval(() => this.#beat(), 1000);
    this.#emit('role', 'leader');
    try {
      await done;
    } finally {
      clearInterval(this.#beatTimer);
      this.#leader = false;
      if (this.#leadership?.abort === abort) this.#leadership = null;
      if (!this.#closed) this.#emit('role', 'follower');
    }
  }

  #beat() {
    this.#beatAt = Date.now();
    this.#post({ t: 'beat', state: this.#state, gateway: this.#gateway, id: this.#lastEventId });
  }

  #post(message) {
    try {
      this.#channel?.postMessage(message);
    } catch {
      // closed meanwhile
    }
  }

  #pageHide() {
    if (this.#leader) this.#post({ t: 'beat', state: this.#state, gateway: this.#gateway, id: this.#lastEventId });
  }

  #fromLeader(message) {
    if (this.#closed || !message) return;
    if (message.t === 'hello') {
      if (this.#leader) this.#beat();
      return;
    }
    if (this.#leader) return; // a stale leader (one that hung) still talking: we hold the stream now
    this.#leaderBeatAt = Date.now();
    if (message.t === 'beat') {
      if (message.id && !this.#lastEventId) this.#lastEventId = message.id;
      if (message.state !== this.#state || message.gateway !== this.#gateway) this.#setState(message.state, message.gateway);
    } else if (message.t === 'frame') {
      this.#frame(message.type, message.data, message.id, false);
    } else if (message.t === 'state') {
      this.#setState(message.state, message.gateway);
    }
  }

  // --- the stream (leader only) --------------------------------------------------------------------------------------

  async #stream(signal) {
    const blockedUntil = new Map(); // gateway → time before which it asked not to be tried (Retry-After)
    let index = this.#gateways.indexOf(this.#gateway);
    if (index < 0) index = 0;
    let failures = 0;
    let authFailures = 0; // renewals in a row that did not bring a live stream
    const sessions = new Set(); // gateways whose session cookie was set with the current token (cookies are per host)
    let wasLive = this.#state === 'live' || this.#state === 'reset' || this.#state === 'reconnecting';
    while (!signal.aborted) {
      // the next gateway that has not asked to wait
      const now = Date.now();
      let pick = -1;
      for (let step = 0; step < this.#gateways.length; step++) {
        const candidate = (index + step) % this.#gateways.length;
        if ((blockedUntil.get(this.#gateways[candidate]) ?? 0) <= now) { pick = candidate; break; }
      }
      if (pick < 0) {
        const wait = Math.min(...this.#gateways.map((g) => blockedUntil.get(g))) - now;
        await sleep(wait + Math.random() * this.#options.minBackoff, signal);
        continue;
      }
      index = pick;
      const gateway = this.#gateways[index];
      this.#setState(wasLive ? 'reconnecting' : 'connecting', gateway, true);
      let outcome;
      try {
        if (!sessions.has(gateway)) {
          await this.#session(gateway, signal, authFailures > 0);
          sessions.add(gateway);
        }
        outcome = await this.#read(gateway, signal, () => { wasLive = true; failures = 0; authFailures = 0; });
      } catch (error) {
        if (signal.aborted) break;
        outcome = error instanceof Refused ? error : { kind: 'failed' };
      }
      if (signal.aborted) break;
      if (outcome.kind === 'auth') {
        // the token expired (auth-expired) or the session is gone (401): a new token through getToken, and at once
        // the stream again from the last id; only when renewing does not help, back off
        sessions.clear();
        if (authFailures++ > 0) await sleep(backoff(authFailures, this.#options), signal);
        continue;
      }
      if (outcome.kind === 'busy') {
        blockedUntil.set(gateway, Date.now() + outcome.retryAfter);
      }
      failures++;
      this.#setState('reconnecting', gateway, true);
      index = (index + 1) % this.#gateways.length;
      // first round: the next instance right away (jittered); after every instance failed: exponential backoff
      const delay = failures <= this.#gateways.length
        ? this.#options.minBackoff * (0.5 + Math.random() / 2)
        : backoff(failures - this.#gateways.length, this.#options);
      await sleep(delay, signal);
    }
  }

  async #session(gateway, signal, forceRefresh) {
    let token = await this.#options.getToken(forceRefresh ? { forceRefresh: true } : {});
    let response = await fetch(`${gateway}/events/session`, {
      method: 'POST', credentials: 'include', headers: { Authorization: `Bearer ${token}` }, signal,
    });
    if (response.status === 401) {
      token = await this.#options.getToken({ forceRefresh: true });
      response = await fetch(`${gateway}/events/session`, {
        method: 'POST', credentials: 'include', headers: { Authorization: `Bearer ${token}` }, signal,
      });
    }
    if (!response.ok) throw refused(response, this.#options);
  }

  // one stream from one gateway; resolves how it ended
  async #read(gateway, signal, onLive) {
    const url = new URL('/events', gateway);
    if (this.#types) url.searchParams.set('types', this.#types.join(','));
    if (this.#lastEventId) url.searchParams.set('lastEventId', this.#lastEventId);
    const response = await fetch(url, {
      credentials: 'include', headers: { Accept: 'text/event-stream' }, cache: 'no-store', signal,
    });
    if (response.status === 401) return { kind: 'auth' };
    if (!response.ok || !response.body) throw refused(response, this.#options);
    const parser = new SseParser();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return { kind: 'ended' };
        if (Date.now() - this.#beatAt > 1000) this.#beat(); // timers of a background tab may be throttled; reads are not
        for (const frame of parser.push(value)) {
          if (frame.type === 'auth-expired') return { kind: 'auth' };
          if (frame.type === 'message' && isConnected(frame.data)) {
            onLive();
            if (frame.id !== undefined) this.#lastEventId = frame.id;
            this.#setState('live', gateway, true);
            continue;
          }
          this.#frame(frame.type, frame.data, frame.id, true);
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  // a frame from the network (leader) or from the leader (follower): same handling in every tab
  #frame(type, data, id, share) {
    if (share) this.#post({ t: 'frame', type, data, id });
    if (id !== undefined && id !== null) this.#lastEventId = id;
    if (type === 'reset') {
      const reset = parse(data) ?? {};
      const previous = this.#gateway;
      this.#setState('reset', previous, share);
      const results = this.#emit('reset', { reason: reset.reason ?? 'unknown' });
      Promise.allSettled(results).then(() => {
        if (this.#state === 'reset') this.#setState('live', this.#gateway, share && this.#leader);
      });
      return;
    }
    if (!EVENT_TYPES.includes(type) || !data) return; // checkpoints (id only) and anything unknown
    if (this.#types && !this.#types.includes(type)) return;
    const event = parse(data);
    if (!event) return;
    if (event.id) {
      if (this.#seen.has(event.id)) return; // a hand-over between tabs may bring one again: never show it twice
      this.#seen.add(event.id);
      if (this.#seen.size > SEEN_LIMIT) this.#seen.delete(this.#seen.values().next().value);
    }
    this.#emit(type, event, { lastEventId: this.#lastEventId });
    this.#emit('event', event, { type, lastEventId: this.#lastEventId });
  }

  #setState(state, gateway, share = false) {
    const changed = state !== this.#state || gateway !== this.#gateway;
    this.#state = state;
    this.#gateway = gateway;
    if (share && this.#leader) this.#post({ t: 'state', state, gateway });
    if (changed) this.#emit('state', state, { gateway });
  }

  #emit(type, ...args) {
    const results = [];
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        results.push(listener(...args));
      } catch (error) {
        queueMicrotask(() => { throw error; });
      }
    }
    return results;
  }
}

// --- server-sent events parsing (the WHATWG event stream format) -----------------------------------------------------

export class SseParser {
  #buffer = '';
  #data = [];
  #type = '';
  #id = undefined;
  #first = true;

  /** Feeds decoded text; returns the frames it completed: { type, data, id } (id undefined when the frame set none). */
  push(text) {
    if (this.#first && text) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#first = false;
    }
    this.#buffer += text;
    const frames = [];
    let start = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer[i];
      if (c !== '\n' && c !== '\r') continue;
      if (c === '\r' && i + 1 === this.#buffer.length) break; // a CR LF may be split over two chunks
      const line = this.#buffer.slice(start, i);
      if (c === '\r' && this.#buffer[i + 1] === '\n') i++;
      start = i + 1;
      const frame = this.#line(line);
      if (frame) frames.push(frame);
    }
    this.#buffer = this.#buffer.slice(start);
    return frames;
  }

  #line(line) {
    if (line === '') {
      const frame = { type: this.#type || 'message', data: this.#data.join('\n'), id: this.#id };
      const dispatch = this.#data.length > 0 || this.#id !== undefined;
      this.#data = [];
      this.#type = '';
      this.#id = undefined;
      return dispatch ? frame : null;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data.push(value);
    else if (field === 'event') this.#type = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    return null;
  }
}

// --- helpers ---------------------------------------------------------------------------------------------------------

class Refused {
  constructor(kind, status, retryAfter) {
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function refused(response, options) {
  if (response.status === 503 || response.status === 429) {
    return new Refused('busy', response.status, retryAfterMillis(response.headers.get('Retry-After'), options));
  }
  if (response.status === 401) return new Refused('auth', 401, 0);
  return new Refused('failed', response.status, 0);
}

// Retry-After is seconds or an HTTP date; a cross-origin answer shows it only when the gateway exposes it
function retryAfterMillis(header, options) {
  if (header) {
    const seconds = Number(header);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(header);
    if (Number.isFinite(date)) return Math.max(0, date - Date.now());
  }
  return options.defaultRetryAfter;
}

function backoff(attempt, options) {
  const ceiling = Math.min(options.maxBackoff, options.minBackoff * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + Math.random() * ceiling / 2;
}

function isConnected(data) {
  return parse(data)?.type === 'connected';
}

function parse(data) {
  try {
    return data ? JSON.parse(data) : null;
  } catch {
    return null;
  }
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(resolve, Math.max(0, ms));
    signal?.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
