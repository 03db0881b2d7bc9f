/** Types of Herald's browser client (herald-client.js). */

/** A note as events carry it (the `data` of a ServiceEvent). */
export interface Note {
  id: string;
  title: string;
  content: string;
  createdBy: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The event contract (service-event.schema.json): one change to one note. */
export interface ServiceEvent {
  /** unique per event: the de-duplication key */
  id: string;
  action: 'created' | 'updated' | 'deleted';
  /** the note after the change (a deleted event: as it was) */
  data: Note;
  /** the actor, when there is one */
  user?: { id: string };
  timestamp: string;
  resourceType: 'notes';
  resourceId: string;
  schemaVersion: number;
}

export type EventType = 'notes:created' | 'notes:updated' | 'notes:deleted';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'reset' | 'stopped';

export interface TokenRequest {
  /** true when the last token was refused: return a new one, not a cached one */
  forceRefresh?: boolean;
}

export interface HeraldClientOptions<T extends EventType = EventType> {
  /** Returns a current access token (bearer) for the gateway; called at connect and on renewal. */
  getToken(request: TokenRequest): string | Promise<string>;
  /** Base URLs of the gateway instances, in order of preference; default: the page's origin. */
  gateways?: string[];
  /** Only these event types (the stream's `?types=`); default all. */
  types?: T[];
  /**
   * Tabs with the same key (and the same gateways and types) share one stream. Use the signed-in user's id, so two
   * users of one browser never share. Default `default`.
   */
  shareKey?: string;
  /** false: this tab holds its own stream. Default true where Web Locks and BroadcastChannel exist. */
  share?: boolean;
  /** Resume from this id at the first connect. */
  lastEventId?: string;
  /** A follower steals the lead when the leader has not been heard of for this long (ms, default 20000). */
  hangTimeout?: number;
  /** Backoff bounds (ms, defaults 500 and 30000). */
  minBackoff?: number;
  maxBackoff?: number;
  /** Wait after a 503 or 429 whose Retry-After the page cannot read (ms, default 5000). */
  defaultRetryAfter?: number;
}

export interface EventMeta {
  /** the position after this event */
  lastEventId: string;
}

export interface Listeners<T extends EventType> {
  /** one typed event */
  'notes:created': (event: ServiceEvent & { action: 'created' }, meta: EventMeta) => void;
  'notes:updated': (event: ServiceEvent & { action: 'updated' }, meta: EventMeta) => void;
  'notes:deleted': (event: ServiceEvent & { action: 'deleted' }, meta: EventMeta) => void;
  /** every event of the selected types */
  event: (event: ServiceEvent, meta: EventMeta & { type: T }) => void;
  /** The stream could not resume from its position: reload your state. The state is `reset` until the promises
   *  the listeners return have settled. */
  reset: (reset: { reason: string }) => void | Promise<unknown>;
  state: (state: ConnectionState, info: { gateway: string | null }) => void;
  /** this tab took or gave up the stream */
  role: (role: 'leader' | 'follower') => void;
}

export declare class HeraldClient<T extends EventType = EventType> {
  constructor(options: HeraldClientOptions<T>);
  readonly state: ConnectionState;
  readonly gateway: string | null;
  readonly lastEventId: string;
  readonly isLeader: boolean;
  /** Adds a listener; returns a function that removes it. */
  on<K extends keyof Listeners<T>>(type: K, listener: Listeners<T>[K]): () => void;
  /** Stops this tab's use of the stream; if it led, another tab takes over. */
  close(): void;
}

/** Opens (or, in another tab of the same browser, joins) the stream. */
export declare function connect<T extends EventType = EventType>(options: HeraldClientOptions<T>): HeraldClient<T>;

/** The WHATWG event-stream parser the client uses. */
export declare class SseParser {
  push(text: string): Array<{ type: string; data: string; id: string | undefined }>;
}
