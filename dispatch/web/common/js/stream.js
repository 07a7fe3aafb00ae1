// @ts-check
// The console stream (/ws/operator): snapshot, then deltas in sequence; a gap asks for a new
// snapshot; heartbeats keep the operator in rotation; a lost connection comes back with backoff.
// A server silent for SILENT_BEATS heartbeats (its process frozen, or the network dropping the
// connection without closing it) counts as lost too: a console never shows a frozen picture as
// "connected" (the server closes a client silent for three).

const SILENT_BEATS = 2;
// The heartbeat until the server's snapshot says its own (heartbeat_s).
const FIRST_BEAT_S = 15;

export class Stream {
  /**
   * @param {string} path       websocket path, e.g. "/ws/operator"
   * @param {() => string} tokenOf  the current bearer token
   * @param {object} handlers   {onParts(parts, names, isSnapshot), onStatus(status), onRefused(reason)}
   */
  constructor(path, tokenOf, handlers) {
    this.path = path;
    this.tokenOf = tokenOf;
    this.handlers = handlers;
    this.parts = {};
    this.seq = null;
    this.awaitingSnapshot = true;
    this.backoff = 500;
    this.socket = null;
    this.heartbeat = null;
    this.heardAt = 0; // when the server last sent anything (a pong included), Date.now()
    this.stopped = false;
    this.serverOffset = 0; // server clock minus browser clock, in ms
    this.stats = { snapshots: 0, deltas: 0, gaps: 0 };
  }

  start() {
    this.stopped = false;
    this.connect();
  }

  stop() {
    this.stopped = true;
    clearInterval(this.heartbeat);
    if (this.socket) this.socket.close(1000, "signed out");
  }

  /** Milliseconds since the epoch on the server's clock. */
  now() {
    return Date.now() + this.serverOffset;
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${this.path}`);
    this.socket = socket;
    this.awaitingSnapshot = true;
    this.heardAt = Date.now();
    this.startHeartbeat(FIRST_BEAT_S, false); // a server that never answers is given up too
    this.handlers.onStatus("connecting");
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "auth", token: this.tokenOf() }));
    };
    socket.onmessage = (event) => {
      if (this.socket === socket) this.receive(JSON.parse(event.data)); // not a dropped one's
    };
    socket.onclose = (event) => {
      if (this.socket !== socket || this.stopped) return; // a dropped socket's heartbeat is gone
      clearInterval(this.heartbeat);
      if (event.code === 1008) {
        this.handlers.onRefused(event.reason);
        return;
      }
      this.reconnect();
    };
  }

  /** Connect again after a pause that grows with each failed try (at most 10 s). */
  reconnect() {
    this.handlers.onStatus("reconnecting");
    const wait = this.backoff * (0.8 + Math.random() * 0.4);
    this.backoff = Math.min(this.backoff * 2, 10000);
    setTimeout(() => this.connect(), wait);
  }

  /** The server went silent: drop its socket without waiting for a close it may never send. */
  lost() {
    const socket = this.socket;
    clearInterval(this.heartbeat);
    this.socket = null; // its close, whenever it comes, is then not acted on twice
    if (socket) socket.close(4000, "server silent");
    this.reconnect();
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  receive(message) {
    this.heardAt = Date.now();
    if (message.server_time) this.serverOffset = Date.parse(message.server_time) - Date.now();
    if (message.type === "snapshot") {
      this.seq = message.seq;
      this.awaitingSnapshot = false;
      this.backoff = 500;
      this.parts = { ...message.parts };
      this.stats.snapshots += 1;
      this.startHeartbeat(message.heartbeat_s || FIRST_BEAT_S);
      this.handlers.onStatus(this.health());
      this.handlers.onParts(this.parts, Object.keys(message.parts), true);
    } else if (message.type === "delta") {
      if (this.awaitingSnapshot) return;
      if (message.seq !== this.seq + 1) {
        // A message went missing: what we hold may be stale. Ask for the whole state again.
        this.stats.gaps += 1;
        this.awaitingSnapshot = true;
        this.send({ type: "resync" });
        return;
      }
      this.seq = message.seq;
      Object.assign(this.parts, message.parts);
      this.stats.deltas += 1;
      if ("server" in message.parts) this.handlers.onStatus(this.health());
      this.handlers.onParts(this.parts, Object.keys(message.parts), false);
    }
  }

  /** "connected", or "degraded" while the server says it hears no other server (Redis away). */
  health() {
    return this.parts.server?.degraded ? "degraded" : "connected";
  }

  /**
   * Every `seconds`: give the server up if it has been silent too long, else ping it (once it
   * is the stream's, `ping`; before, the socket only waits for its snapshot).
   */
  startHeartbeat(seconds, ping = true) {
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.heardAt > SILENT_BEATS * seconds * 1000) this.lost();
      else if (ping) this.send({ type: "ping" });
    }, seconds * 1000);
    if (ping) this.send({ type: "ping" });
  }
}
