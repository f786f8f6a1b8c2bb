// A byte stream between two threads over a MessagePort, shaped like a socket: the Slack ack
// thread, which owns the listening socket, forwards the requests it does not serve itself
// (health, metrics, feeds, alert intake) to the main thread's HTTP server through one of these,
// so the main thread parses a real HTTP request and answers it with its ordinary routes, and no
// second port is opened.
//
// Flow control as on a socket: a writer has at most WINDOW_BYTES its reader has not consumed;
// past that its writes wait. So a client streaming a large body to a route that reads slowly
// (or not at all) fills no queue between the threads, as it would fill none with a kernel socket.
//
// The end of a request body is told by HTTP's own framing, never by an end of stream: Node's
// server aborts a request whose connection half-closes before the answer (without
// `httpAllowHalfOpen`). So the client's side sends no end; the server's side ends after its
// answer, and either side's destroy() closes the port, which destroys the other side.
import { Duplex } from "node:stream";
import type { MessagePort } from "node:worker_threads";

const WINDOW_BYTES = 256 * 1024;
/** Consumption is reported in steps this large (or when a full reader reads again). */
const REPORT_BYTES = 64 * 1024;

/** What crosses besides the bytes themselves. */
type Control = { end: true } | { consumed: number };

export class PortStream extends Duplex {
  readonly #port: MessagePort;
  /** The server's side tells the peer when its answer is complete; the client's side never. */
  readonly #endOnFinish: boolean;
  /** Whether this side may still post (not after the port closed). */
  #open = true;
  #ended = false;
  /** Bytes written that the peer has not consumed yet. */
  #unconsumed = 0;
  /** A write waiting for the peer to consume. */
  #blocked: (() => void) | undefined;
  /** Bytes received and not yet reported as consumed. */
  #toReport = 0;
  /** The consumer was full: report what it consumed once it reads again. */
  #starved = false;

  constructor(port: MessagePort, options: { endOnFinish: boolean }) {
    super({ allowHalfOpen: true });
    this.#port = port;
    this.#endOnFinish = options.endOnFinish;
    port.on("message", (message: Uint8Array | Control) => this.#received(message));
    port.once("close", () => {
      this.#open = false;
      this.#release();
      if (!this.destroyed) this.destroy();
    });
  }

  /** Sockets have these and HTTP calls them; a port has nothing to tune. */
  setTimeout(_ms: number, callback?: () => void): this {
    if (callback) this.once("timeout", callback);
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }

  override _read(): void {
    if (!this.#starved) return;
    this.#starved = false;
    this.#report();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    // The peer is gone: what it would have read no longer matters (a socket would reset).
    if (!this.#open) {
      callback();
      return;
    }
    // A copy of exactly these bytes, moved, not cloned: a Buffer is often a view on a larger
    // pooled ArrayBuffer, and cloning a view clones all of its buffer.
    const copy = Uint8Array.prototype.slice.call(chunk);
    this.#port.postMessage(copy, [copy.buffer]);
    this.#unconsumed += copy.byteLength;
    if (this.#unconsumed <= WINDOW_BYTES) callback();
    else this.#blocked = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#endOnFinish && this.#open) this.#port.postMessage({ end: true } satisfies Control);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#open = false;
    this.#port.close();
    this.#release();
    callback(error);
  }

  #received(message: Uint8Array | Control): void {
    if (message instanceof Uint8Array) {
      if (this.#ended) return;
      const more = this.push(Buffer.from(message.buffer, message.byteOffset, message.byteLength));
      this.#toReport += message.byteLength;
      if (!more) this.#starved = true;
      else if (this.#toReport >= REPORT_BYTES) this.#report();
      return;
    }
    if ("consumed" in message) {
      this.#unconsumed -= message.consumed;
      if (this.#unconsumed <= WINDOW_BYTES) this.#release();
      return;
    }
    if (!this.#ended) {
      this.#ended = true;
      this.push(null);
    }
  }

  #report(): void {
    if (this.#toReport === 0 || !this.#open) return;
    this.#port.postMessage({ consumed: this.#toReport } satisfies Control);
    this.#toReport = 0;
  }

  #release(): void {
    const blocked = this.#blocked;
    this.#blocked = undefined;
    blocked?.();
  }
}
