// ATTACK: the alert endpoints' in-flight pools are shared memory counted by the HTTP edge thread
// (the Slack ack thread) as well as the main thread. A request takes its place on the edge and
// gives it back in a `finally` there. When the edge thread dies with requests in it (its bounded
// heap reached, the outcome the heap bound exists for; or ended for any other reason) the
// `finally` never runs: the places stay taken for the life of the process. `maxInFlight` of them
// and every alert endpoint answers 429 for good, though the restarted thread holds nothing. The
// same holds for the waiting room (requests read and waiting for their commit): full of a dead
// thread's requests, it would refuse every alert for good.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { WAITING_PER_PLACE } from "../../src/alerts/intake/in-flight.ts";
import { type AlertEdge, AM_KEY, alertmanagerBody, postJson, startAlertEdge } from "../support/alert-edge.ts";
import { until } from "../support/waiting.ts";

let edge: AlertEdge | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await edge?.close();
  edge = undefined;
});

/** A keyed alert post whose body never finishes: it holds its place while the edge reads it. */
function trickle(port: number): Socket {
  const socket = connect(port, "127.0.0.1");
  socket.on("error", () => {});
  socket.write(
    `POST /alerts/alertmanager/${AM_KEY} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"version":`,
  );
  sockets.push(socket);
  return socket;
}

describe("an edge thread that dies with alert requests in it", () => {
  it("gives their in-flight places back", async () => {
    edge = await startAlertEdge({ maxInFlight: 2 });
    const current = edge;
    trickle(current.port);
    trickle(current.port);
    await until(() => current.inFlight() === 2, "both posts to hold their places");

    const thread = current.platform.ackThread;
    await thread?.worker?.terminate();
    await until(() => thread?.restarts === 1 || undefined, "the edge thread to restart");
    for (const socket of sockets.splice(0)) socket.destroy();

    // The restarted thread holds nothing: an alert is taken, not answered 429.
    const answer = await until(async () => {
      const attempt = await fetch(`${current.base}/alerts/alertmanager/${AM_KEY}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: alertmanagerBody("after-the-restart"),
      }).catch(() => undefined);
      return attempt && attempt.status !== 429 ? attempt : undefined;
    }, "an alert taken after the restart");
    expect(answer.status).toBe(202);
    expect(current.inFlight()).toBe(0);
  });

  it("gives their places in the waiting room back", async () => {
    edge = await startAlertEdge({ maxInFlight: 2 });
    const current = edge;
    const url = `${current.base}/alerts/alertmanager/${AM_KEY}`;
    let release!: () => void;
    current.receiver.held = new Promise<void>((resolve) => (release = resolve));
    // The commit stalls: the room fills with the thread's requests (read, handed to the desk).
    const room = 2 * WAITING_PER_PLACE;
    const waiting = Array.from({ length: room }, (_, i) =>
      postJson(url, alertmanagerBody(`waiting-${i}`)).catch(() => undefined),
    );
    await until(() => current.receiver.started === room || undefined, "the room to fill");
    expect((await postJson(url, alertmanagerBody("one-too-many"))).status).toBe(429);

    const thread = current.platform.ackThread;
    await thread?.worker?.terminate();
    await until(() => thread?.restarts === 1 || undefined, "the edge thread to restart");

    // Still stalled, the restarted thread's alert enters the room the dead one's left.
    const after = until(async () => {
      const attempt = await postJson(url, alertmanagerBody("after-the-restart")).catch(() => undefined);
      return attempt && attempt.status !== 429 ? attempt : undefined;
    }, "an alert taken after the restart");
    await until(() => current.receiver.started > room || undefined, "an alert waiting after the restart");
    release();
    expect((await after).status).toBe(202);
    await Promise.all(waiting);
    await until(() => current.inFlight() === 0 || undefined, "no places held");
  });
});
