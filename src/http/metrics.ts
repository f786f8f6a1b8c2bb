// Prometheus metrics (GET /metrics). One registry per app, so several apps in one process
// (tests, benchmarks) keep their own counts.
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

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
    help: "Paging events: created, delivered, escalated, acked, resolved.",
    labelNames: ["event"] as const,
    registers: [this.registry],
  });

  readonly errors = new Counter({
    name: "tocsin_errors_total",
    help: "Unexpected errors, by where they happened.",
    labelNames: ["where"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "tocsin_" });
  }
}
