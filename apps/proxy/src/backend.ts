import type http from 'node:http';
import type { Socket } from 'node:net';
import { buildConnector, Pool } from 'undici';
import { sendPage } from './pages/pages.js';

/** How a drain ended: everything finished by itself, or the deadline cut `aborted` requests/websockets short. */
export interface DrainResult {
  finished: boolean;
  aborted: number;
  durationMs: number;
}

// RFC 6455 close frame from server to client (unmasked): FIN+close opcode, length 2, status 1001 "going away".
const CLOSE_GOING_AWAY = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

/**
 * One upstream: its keep-alive connection pool and everything currently in flight on it. A request registers here when it
 * arrives (claim), so a switch never moves it; draining this backend waits for exactly these.
 */
export class Backend {
  readonly origin: string;
  readonly #requests = new Set<http.ServerResponse>();
  readonly #tunnels = new Set<Socket>();
  #idle: (() => void) | null = null;
  #drained = false;
  #pool: Pool | undefined;

  constructor(origin: string) {
    this.origin = new URL(origin).origin;
  }

  /**
   * The keep-alive connection pool to this backend (undici), made on first use: the connect timeout is the
   * forwarder's backend timeout. One request per connection at a time (no pipelining), as many connections as
   * there are requests in flight; idle ones close after undici's keep-alive timeout (or the backend's hint).
   */
  pool(connectTimeoutMs: number): Pool {
    this.#pool ??= new Pool(this.origin, {
      pipelining: 1,
      connect: reuseMarkingConnector(buildConnector({ timeout: connectTimeoutMs })),
    });
    return this.#pool;
  }

  /** Upstream connections carrying a request now, and idle ones kept alive (for the status page). */
  get upstreamSockets(): { sockets: number; freeSockets: number } {
    const stats = this.#pool?.stats;
    return { sockets: (stats?.connected ?? 0) - (stats?.free ?? 0), freeSockets: stats?.free ?? 0 };
  }

  get inFlight(): number {
    return this.#requests.size + this.#tunnels.size;
  }

  get draining(): boolean {
    return this.#drained;
  }

  claim(res: http.ServerResponse): void {
    this.#requests.add(res);
  }

  release(res: http.ServerResponse): void {
    if (this.#requests.delete(res)) this.#checkIdle();
  }

  claimTunnel(socket: Socket): void {
    this.#tunnels.add(socket);
    socket.once('close', () => {
      this.#tunnels.delete(socket);
      this.#checkIdle();
    });
  }

  /**
   * Waits until everything in flight has ended, at most `timeoutMs`; then answers unanswered requests 504, cuts
   * responses already streaming, closes websockets with 1001, and closes the idle upstream sockets.
   */
  async drain(timeoutMs: number): Promise<DrainResult> {
    this.#drained = true;
    const started = performance.now();
    let finished = true;
    if (this.inFlight > 0) {
      finished = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => {
          this.#idle = null;
          resolve(false);
        }, timeoutMs);
        timer.unref();
        this.#idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      });
    }
    const aborted = this.inFlight;
    for (const res of this.#requests) {
      if (!res.headersSent) sendPage(res, 504, 'drain');
      else res.destroy();
    }
    for (const socket of this.#tunnels) {
      socket.end(CLOSE_GOING_AWAY);
      socket.destroySoon();
    }
    this.#requests.clear();
    this.#pool?.destroy().catch(() => {});
    return { finished, aborted, durationMs: Math.round(performance.now() - started) };
  }

  #checkIdle(): void {
    if (this.#idle !== null && this.inFlight === 0) {
      const idle = this.#idle;
      this.#idle = null;
      idle();
    }
  }
}

type SocketError = Error & { reusedSocket?: boolean };

/** Marks a socket's errors with whether it had already carried a response (node's `reusedSocket`, for undici). */
function markReuse(this: Socket, error: SocketError): void {
  error.reusedSocket = this.bytesRead > 0;
}

function reuseMarkingConnector(connect: buildConnector.connector): buildConnector.connector {
  return (options, callback) =>
    connect(options, (...args) => {
      args[1]?.prependListener('error', markReuse);
      callback(...args);
    });
}
