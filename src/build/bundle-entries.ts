// The start bundle's entries besides main.js, named where the bundle is built and where it runs.

/** The Slack ack thread's module in a bundle folder: `<folder>/ack-thread-worker.js`. */
export const ACK_THREAD_BUNDLE_NAME = "ack-thread-worker";

/**
 * Set by src/start.js when it runs a bundle: the file the ack thread loads. Without it (sources,
 * tests) the thread loads src/edge-thread.ts (which runs src/chat/slack/ack-thread-worker.ts).
 */
export const ACK_THREAD_ENTRY_VARIABLE = "TOCSIN_ACK_THREAD_ENTRY";
