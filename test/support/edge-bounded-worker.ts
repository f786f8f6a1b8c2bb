// The heap tests of the alert intake run their shapes in a Worker bounded as the HTTP edge thread
// is (ACK_THREAD_LIMITS): what would end that thread ends the worker, and the test sees it.
// runEdgeBounded starts one and resolves with the message it posted, or rejects when it ended
// first. (The workers call collect-garbage.ts, which loads nothing of tocsin's.)
import { Worker } from "node:worker_threads";
import { ACK_THREAD_LIMITS } from "../../src/chat/slack/ack-thread.ts";

/** Runs `url` in a thread bounded as the edge thread; its last message, once it has ended. */
export function runEdgeBounded<T>(url: URL, workerData: unknown, what = "it reported"): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData, resourceLimits: ACK_THREAD_LIMITS });
    let reported: { message: T } | undefined;
    worker.on("message", (message: T) => {
      reported = { message };
      void worker.terminate();
    });
    worker.on("error", reject);
    worker.on("exit", (code) =>
      reported ? resolve(reported.message) : reject(new Error(`the thread ended (${code}) before ${what}`)),
    );
  });
}
