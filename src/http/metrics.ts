// Prometheus metrics (GET /metrics). One registry per app, so several apps in one process
// (tests, benchmarks) keep their own counts.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * prom-client's default metrics include three gauges named `*_total`, a suffix Prometheus keeps
 * for counters (`promtool check metrics` fails on them). They are served under gauge names; the
 * per-type gauges (`tocsin_nodejs_active_handles{type=...}`) stay as they are.
 */
const GAUGES_NAMED_LIKE_COUNTERS: ReadonlyArray<[from: string, to: string, help: string]> = [
  ["tocsin_nodejs_active_handles_total", "tocsin_nodejs_handles_active", "Active libuv handles."],
  ["tocsin_nodejs_active_requests_total", "tocsin_nodejs_requests_active", "Active libuv requests."],
  [
    "tocsin_nodejs_active_resources_total",
    "tocsin_nodejs_resources_active",
    "Active resources keeping the event loop alive.",
  ],
];

export class Metrics {
  readonly registry = new Registry();

  readonly commands = new Counter({
    name: "tocsin_commands_total",
    help: "Chat commands handled, by command and outcome (ok, refused, error, duplicate).",
    labelNames: ["platform", "command", "outcome"] as const,
    registers: [this.registry],
  });

  readonly commandSeconds = new Histogram({
    name: "tocsin_command_duration_seconds",
    help: "Time to handle a chat command, from invocation to the reply being handed to the platform.",
    labelNames: ["command"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  readonly posts = new Counter({
    name: "tocsin_posts_total",
    help: "Everything the outbox sent, refused or failed to send, by platform, kind and outcome.",
    labelNames: ["platform", "kind", "outcome"] as const,
    registers: [this.registry],
  });

  readonly jobs = new Counter({
    name: "tocsin_jobs_total",
    help: "Durable jobs run (escalation steps, reminders, bulletins), by kind and outcome.",
    labelNames: ["kind", "outcome"] as const,
    registers: [this.registry],
  });

  readonly pages = new Counter({
    name: "tocsin_pages_total",
    help: "Paging events: pages created (merged repeats excluded), page messages delivered.",
    labelNames: ["event"] as const,
    registers: [this.registry],
  });

  readonly alertRequests = new Counter({
    name: "tocsin_alert_requests_total",
    help: "Requests to the alert endpoints, by endpoint and outcome (accepted, unknown_key, invalid, too_large, overloaded, unavailable, error).",
    labelNames: ["endpoint", "outcome"] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: "tocsin_errors_total",
    help: "Unexpected errors, by where they happened.",
    labelNames: ["where"] as const,
    registers: [this.registry],
  });

  /** What the intake's bounded queue holds; read when scraped (see watchCommandQueue). */
  #commandQueue: (() => { running: number; waiting: number }) | undefined;

  readonly commandQueue = (() => {
    const read = () => this.#commandQueue?.();
    return new Gauge({
      name: "tocsin_command_queue",
      help: "Commands in the bounded command queue, by state (running, waiting).",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        const now = read();
        if (!now) return;
        this.set({ state: "running" }, now.running);
        this.set({ state: "waiting" }, now.waiting);
      },
    });
  })();

  watchCommandQueue(read: () => { running: number; waiting: number }): void {
    this.#commandQueue = read;
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "tocsin_" });
    for (const [from, to, help] of GAUGES_NAMED_LIKE_COUNTERS) {
      const original = this.registry.getSingleMetric(from);
      if (!original) continue;
      this.registry.removeSingleMetric(from);
      new Gauge({
        name: to,
        help,
        registers: [this.registry],
        async collect() {
          const { values } = await original.get();
          this.set(values[0]?.value ?? 0);
        },
      });
    }
  }
}
