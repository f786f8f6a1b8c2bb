// A developer's measurement for the alert edge's answers (src/chat/slack/ack-thread.ts): the CPU
// the main thread and the edge thread spend on answers sent one message each, against the same
// answers sent one message per batch (as one commit answers them). A worker stands in for the
// edge thread: it takes the answers as the thread does (a map of waiting requests by id).
// `node scripts/bench/answer-messages.ts [answers] [batch size]`
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker } from "node:worker_threads";

interface Answer {
  id: number;
  answer: { status: number; headers: Record<string, string>; body: string };
}

if (!isMainThread) {
  const port = parentPort!;
  const waiting = new Map<number, (answer: Answer["answer"]) => void>();
  let got = 0;
  let expected = 0;
  let cpuAt = process.threadCpuUsage();
  port.on(
    "message",
    (message: {
      type: string;
      answers?: Answer[];
      id?: number;
      answer?: Answer["answer"];
      expect?: number;
    }) => {
      if (message.type === "expect") {
        expected = message.expect!;
        got = 0;
        for (let id = 1; id <= expected; id++) waiting.set(id, () => got++);
        cpuAt = process.threadCpuUsage();
        return;
      }
      const answers =
        message.type === "one" ? [{ id: message.id!, answer: message.answer! }] : message.answers!;
      for (const { id, answer } of answers) {
        waiting.get(id)?.(answer);
        waiting.delete(id);
      }
      if (got === expected) {
        const used = process.threadCpuUsage(cpuAt);
        port.postMessage({ cpuMs: (used.user + used.system) / 1000 });
      }
    },
  );
} else {
  const total = Number(process.argv[2] ?? 20_000);
  const batch = Number(process.argv[3] ?? 10);
  const worker = new Worker(import.meta.filename);
  const answer = (id: number) => ({
    status: 202,
    headers: { "content-type": "application/json" },
    body: `{"status":"success","message":"Event processed","dedup_key":"k-${id}"}`,
  });
  const run = async (batched: boolean) => {
    worker.postMessage({ type: "expect", expect: total });
    const done = new Promise<{ cpuMs: number }>((resolve) => worker.once("message", resolve));
    const began = process.threadCpuUsage();
    const wall = performance.now();
    for (let id = 1; id <= total; id += batch) {
      const ids = Array.from({ length: Math.min(batch, total - id + 1) }, (_, i) => id + i);
      if (batched)
        worker.postMessage({ type: "many", answers: ids.map((i) => ({ id: i, answer: answer(i) })) });
      else for (const i of ids) worker.postMessage({ type: "one", id: i, answer: answer(i) });
      // One commit's answers per turn of the event loop, as in tocsin.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const used = process.threadCpuUsage(began);
    const edge = await done;
    return {
      mainUs: ((used.user + used.system) / total).toFixed(1),
      edgeUs: ((edge.cpuMs * 1000) / total).toFixed(1),
      wallMs: Math.round(performance.now() - wall),
    };
  };
  await run(false); // warm-up
  await run(true);
  for (let round = 0; round < 3; round++) {
    const one = await run(false);
    const many = await run(true);
    console.log(
      `one message per answer: main ${one.mainUs} µs/answer, edge ${one.edgeUs} µs/answer | one per batch of ${batch}: main ${many.mainUs} µs/answer, edge ${many.edgeUs} µs/answer`,
    );
  }
  await worker.terminate();
}
