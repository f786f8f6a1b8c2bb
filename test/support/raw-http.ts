// Raw HTTP requests over a socket, for what fetch refuses to send: bad request targets
// (`GET //`, `GET http://[::1`), oversized headers, bodies the server cuts short.
import { connect } from "node:net";
import { scaledDeadline } from "./waiting.ts";

export interface RawAnswer {
  /** The status code of the answer, or undefined when the server closed without one. */
  status: number | undefined;
  text: string;
}

/**
 * Sends `head` (request line and headers, without the blank line) and `body`, and resolves with
 * what came back once the server closes the connection or `timeoutMs` (scaled) passes. A body is written
 * in chunks; a server that answers early and closes is not an error.
 */
export function rawRequest(
  port: number,
  head: string,
  body: string | Buffer = "",
  timeoutMs = 10_000,
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1];
      resolve({ status: status ? Number(status) : undefined, text: received });
    };
    const timer = setTimeout(finish, scaledDeadline(timeoutMs));
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
      // One answer is all a test needs: stop once its head and declared body are in.
      const end = received.indexOf("\r\n\r\n");
      const length = /content-length: *(\d+)/i.exec(received.slice(0, end))?.[1];
      if (end >= 0 && length !== undefined && received.length >= end + 4 + Number(length)) finish();
    });
    socket.on("error", finish);
    socket.on("close", finish);
    socket.on("connect", async () => {
      socket.write(`${head}\r\n\r\n`);
      const data = typeof body === "string" ? Buffer.from(body) : body;
      for (let offset = 0; offset < data.length && !done; offset += 64 * 1024) {
        const more = socket.write(data.subarray(offset, offset + 64 * 1024));
        if (!more) await new Promise((wake) => socket.once("drain", wake).once("close", wake));
      }
    });
  });
}
