// Byte streams between two threads, shaped like sockets and carried over the one MessagePort the
// threads already share: the Slack ack thread, which owns the listening socket, forwards the
// requests it does not serve itself (health, metrics, feeds, alert intake) to the main thread's
// HTTP server through one of these, so the main thread parses a real HTTP request and answers it
// with its ordinary routes, and no second port is opened. Many streams share the port (each
// message names its stream): a port per stream would cost a handle and a close handshake each.
//
// Flow control as on a socket: a writer has at most WINDOW_BYTES its reader has not consumed;
// past that its writes wait. So a client streaming a large body to a route that reads slowly
// (or not at all) fills no queue between the threads, as it would fill none with a kernel socket.
//
// The end of a request body is told by HTTP's own framing, never by an end of stream: Node's
// server aborts a request whose connection half-closes before the answer (without
// `httpAllowHalfOpen`). So the client's side sends no end; the server's side ends after its
// answer, and either side's destroy() closes the stream on both sides.
import { Duplex } from "node:stream";

const WINDOW_BYTES = 256 * 1024;
/** Consumption is reported in steps this large (or when a full reader reads again). */
const REPORT_BYTES = 64 * 1024;

/** One message about one stream; `open` comes first, `close` last. */
export type StreamMessage =
  | { stream: number; open: true }
  | { stream: number; data: Uint8Array }
  | { stream: number; consumed: number }
  | { stream: number; end: true }
  | { stream: number; close: true };

type Send = (message: StreamMessage, transfer?: ArrayBuffer[]) => void;

/** The streams of one side of a port: opens them, routes each message to its stream. */
export class PortStreams {
  readonly #send: Send;
  readonly #streams = new Map<number, PortStream>();
  #next = 1;

  constructor(send: Send) {
    this.#send = send;
  }

  /** A new stream (the client's side: it never ends, it is destroyed once its answer is read). */
  open(): PortStream {
    const id = this.#next++;
    const stream = this.#make(id, false);
    this.#send({ stream: id, open: true });
    return stream;
  }

  /** Takes a message from the other side; returns the stream it opened, if it opened one. */
  receive(message: StreamMessage): PortStream | undefined {
    if ("open" in message) return this.#make(message.stream, true);
    this.#streams.get(message.stream)?.receive(message);
    return undefined;
  }

  /** The other side is gone (its thread ended): every stream ends with it. */
  destroyAll(): void {
    for (const stream of [...this.#streams.values()]) stream.peerClosed();
  }

  get size(): number {
    return this.#streams.size;
  }

  #make(id: number, endOnFinish: boolean): PortStream {
    const stream = new PortStream(id, this.#send, endOnFinish, () => this.#streams.delete(id));
    this.#streams.set(id, stream);
    return stream;
  }
}

export class PortStream extends Duplex {
  readonly #id: number;
  readonly #send: Send;
  /** The server's side tells the peer when its answer is complete; the client's side never. */
  readonly #endOnFinish: boolean;
  readonly #forget: () => void;
  /** Whether the peer may still be sent to (not after either side closed). */
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

  constructor(id: number, send: Send, endOnFinish: boolean, forget: () => void) {
    super({ allowHalfOpen: true });
    this.#id = id;
    this.#send = send;
    this.#endOnFinish = endOnFinish;
    this.#forget = forget;
  }

  /** Sockets have these and HTTP calls them; a stream between threads has nothing to tune. */
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

  receive(message: StreamMessage): void {
    if ("data" in message) {
      if (this.#ended) return;
      const { data } = message;
      const more = this.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
      this.#toReport += data.byteLength;
      if (!more) this.#starved = true;
      else if (this.#toReport >= REPORT_BYTES) this.#report();
    } else if ("consumed" in message) {
      this.#unconsumed -= message.consumed;
      if (this.#unconsumed <= WINDOW_BYTES) this.#release();
    } else if ("end" in message) {
      if (this.#ended) return;
      this.#ended = true;
      this.push(null);
    } else if ("close" in message) {
      this.peerClosed();
    }
  }

  /** The peer closed (or its thread is gone): nothing more is sent, and this side is destroyed. */
  peerClosed(): void {
    this.#open = false;
    this.#release();
    if (!this.destroyed) this.destroy();
  }

  override _read(): void {
    if (!this.#starved) return;
    this.#starved = false;
    this.#report();
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    // The peer is gone: what it would have read no longer matters (a socket would reset).
    if (!this.#open) {
      callback();
      return;
    }
    // One message for what HTTP writes at once (headers and body): a copy of exactly these
    // bytes in a buffer of its own, moved rather than cloned (a Buffer is often a view on a
    // larger pooled ArrayBuffer, and cloning a view clones all of its buffer).
    let size = 0;
    for (const { chunk } of chunks) size += chunk.byteLength;
    const copy = new Uint8Array(size);
    let offset = 0;
    for (const { chunk } of chunks) {
      copy.set(chunk, offset);
      offset += chunk.byteLength;
    }
    this.#send({ stream: this.#id, data: copy }, [copy.buffer]);
    this.#unconsumed += copy.byteLength;
    if (this.#unconsumed <= WINDOW_BYTES) callback();
    else this.#blocked = callback;
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk, encoding }], callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.#endOnFinish && this.#open) this.#send({ stream: this.#id, end: true });
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#open) this.#send({ stream: this.#id, close: true });
    this.#open = false;
    this.#forget();
    this.#release();
    callback(error);
  }

  #report(): void {
    if (this.#toReport === 0 || !this.#open) return;
    this.#send({ stream: this.#id, consumed: this.#toReport });
    this.#toReport = 0;
  }

  #release(): void {
    const blocked = this.#blocked;
    this.#blocked = undefined;
    blocked?.();
  }
}
