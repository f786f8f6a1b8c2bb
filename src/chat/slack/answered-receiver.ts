// Bolt's receiver for requests the Slack ack thread (ack-thread.ts) has already verified and
// answered: it hands each to `App.processEvent` with an ack that has nothing left to send, so
// Bolt stays the dispatcher (middleware, listeners in inbound.ts) while the answer to Slack never
// waits for the main thread.
import type { App, Receiver, ReceiverEvent } from "@slack/bolt";
import type { Logger } from "pino";
import type { AnsweredRequest } from "./ack-thread.ts";

export class AnsweredRequestReceiver implements Receiver {
  readonly #log: Logger;
  #app: App | undefined;
  readonly #dispatching = new Set<Promise<void>>();

  constructor(log: Logger) {
    this.#log = log;
  }

  init(app: App): void {
    this.#app = app;
  }

  /** The ack thread owns the listening socket; there is nothing to start or stop here. */
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  dispatch(request: AnsweredRequest): void {
    const app = this.#app;
    if (!app) {
      this.#log.warn("Slack request answered before Bolt was ready: dropped");
      return;
    }
    const event: ReceiverEvent = {
      body: request.body,
      retryNum: request.retryNum,
      retryReason: request.retryReason,
      ack: async (response?: unknown) => {
        // Listeners ack with nothing; a body would have had to travel in the answer, long sent.
        if (response !== undefined && response !== "") {
          this.#log.warn(
            "a Slack listener acknowledged with a body the ack thread had already answered without",
          );
        }
      },
    };
    const dispatching = app
      .processEvent(event)
      .catch((error: unknown) => {
        this.#log.error({ err: error }, "Slack listener failed");
      })
      .finally(() => this.#dispatching.delete(dispatching));
    this.#dispatching.add(dispatching);
  }

  /** Resolves once Bolt has run every request handed to it so far (listeners ack, then start). */
  async settled(): Promise<void> {
    while (this.#dispatching.size > 0) await Promise.allSettled([...this.#dispatching]);
  }
}
