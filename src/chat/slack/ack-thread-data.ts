// The ack thread's settings, on the thread: given at spawn (workerData), or, for a thread
// prepared ahead of time (ack-thread.ts, prepareAckThread) so that its code loads while the
// process starts, in its first message. The thread's entry awaits them before it loads the
// thread's server, which reads them as it starts.
import { parentPort, workerData } from "node:worker_threads";
import type { AckThreadData, AckThreadStart, PreparedAckThread } from "./ack-thread-protocol.ts";

let settings: AckThreadData | undefined;

function isPrepared(value: unknown): value is PreparedAckThread {
  return typeof value === "object" && value !== null && (value as PreparedAckThread).awaitStart === true;
}

/** Resolves once the thread has its settings (at once unless it was prepared ahead of time). */
export async function ackThreadSettled(): Promise<void> {
  if (!isPrepared(workerData)) {
    settings = workerData as AckThreadData;
    return;
  }
  const port = parentPort;
  if (!port) throw new Error("the Slack ack thread runs in a worker thread");
  settings = await new Promise<AckThreadData>((resolve) =>
    port.once("message", (message: AckThreadStart) => resolve(message.data)),
  );
}

export function ackThreadData(): AckThreadData {
  if (!settings) throw new Error("the Slack ack thread started before its settings arrived");
  return settings;
}
