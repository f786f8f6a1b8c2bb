// Alert load: Alertmanager webhook (payload version 4) and PagerDuty Events v2 bodies as the
// real senders write them (the shapes of test/fixtures/alerts/, built here: scripts do not read
// tests), posted over keep-alive HTTP open-loop (Poisson arrivals) or closed-loop (N clients,
// each posting again once answered). Every post is one sample: its status and response time.
//
// The client is undici's connection pool, not node:http's request: the load generator shares the
// machine's two cores with what it measures (tocsin or the floor, and PostgreSQL), and undici
// costs it 20-25% less CPU per post (0.26-0.32 against 0.36-0.42 ms at 1,000 posts/s against the
// alerts floor, 2026-11-30), so it takes less of the headroom a stall is recovered with.
import { createHash } from "node:crypto";
import { Pool } from "undici";

/** A post not answered this long after it was sent counts as a timeout (status 0). */
export const ALERT_TIMEOUT_MS = 10_000;
/** The marker an alert's summary carries so the Slack double can tell which page is whose. */
export const pageMarker = (id: number) => `ba${id}a`;

export interface AlertSample {
  /** HTTP status; 0 when there was no answer (connection error or timeout). */
  status: number;
  ms: number;
  /** performance.timeOrigin-based time the post was sent (alert-to-page latency starts here). */
  sentAt: number;
  /**
   * Open loop: how late the post left against its scheduled time (this process's own stalls, a
   * collection or a busy core): a stall sends the posts it held back as one burst.
   */
  lateMs?: number;
}

/** Up to this many connections per target (the old node:http agent's maxSockets). */
const MAX_CONNECTIONS = 256;
const pools = new Map<string, Pool>();
/** Where a post goes: its target's pool and the path, parsed once per URL. */
const targets = new Map<string, { pool: Pool; path: string }>();
const now = () => performance.timeOrigin + performance.now();

function targetOf(url: string): { pool: Pool; path: string } {
  let target = targets.get(url);
  if (!target) {
    const { origin, pathname, search } = new URL(url);
    let pool = pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: MAX_CONNECTIONS,
        headersTimeout: ALERT_TIMEOUT_MS,
        bodyTimeout: ALERT_TIMEOUT_MS,
      });
      pools.set(origin, pool);
    }
    target = { pool, path: `${pathname}${search}` };
    targets.set(url, target);
  }
  return target;
}

/** Closes the connections the posts opened (a script calls it before it ends). */
export async function closeAlertLoad(): Promise<void> {
  const open = [...pools.values()];
  pools.clear();
  targets.clear();
  await Promise.all(open.map((pool) => pool.close()));
}

export interface WebhookAlert {
  fingerprint: string;
  status: "firing" | "resolved";
}

/** An Alertmanager v4 webhook for group `group` carrying `alerts`. */
export function alertmanagerBody(group: string, summary: string, alerts: readonly WebhookAlert[]): string {
  const startsAt = "2026-11-30T01:00:00.000Z";
  // Label and annotation names sorted, as Alertmanager writes them (Go's encoding/json sorts a
  // map's keys; so do the bodies it posted in test/fixtures/alerts/captured/).
  const common = { alertname: group, job: "node", service: "storage", severity: "critical" };
  const firing = alerts.some((alert) => alert.status === "firing");
  return JSON.stringify({
    receiver: "tocsin",
    status: firing ? "firing" : "resolved",
    alerts: alerts.map((alert) => ({
      status: alert.status,
      labels: {
        alertname: common.alertname,
        instance: `host-${alert.fingerprint}:9100`,
        job: common.job,
        service: common.service,
        severity: common.severity,
      },
      annotations: { description: "Filesystem has less than 5% space left.", summary },
      startsAt,
      endsAt: alert.status === "firing" ? "0001-01-01T00:00:00Z" : "2026-11-30T01:05:00.000Z",
      generatorURL: "http://prometheus.example.org/graph?g0.expr=up",
      fingerprint: alert.fingerprint,
    })),
    groupLabels: { alertname: group },
    commonLabels: common,
    commonAnnotations: { summary },
    externalURL: "http://alertmanager.example.org",
    version: "4",
    groupKey: `{}/{}:{alertname="${group}"}`,
    truncatedAlerts: 0,
  });
}

/**
 * Repeats of 100 Alertmanager groups of up to 50 alerts, posted to `url`: what Alertmanager sends
 * most (every group_interval while something in a group changes); at most 100 pages.
 */
export function repeatedGroupPosts(url: string): () => AlertPost {
  return () => {
    const group = Math.floor(Math.random() * 100);
    const fingerprint = fingerprintOf(group * 1000 + Math.floor(Math.random() * 50));
    return {
      url,
      body: alertmanagerBody(`DiskFull${group}`, `Disk almost full on storage group ${group}`, [
        { fingerprint, status: "firing" },
      ]),
    };
  };
}

/** A PagerDuty Events v2 trigger, as Alertmanager's pagerduty_configs sends it. */
export function pagerDutyBody(routingKey: string, dedupKey: string, summary: string): string {
  return JSON.stringify({
    routing_key: routingKey,
    dedup_key: createHash("sha256").update(dedupKey).digest("hex"),
    event_action: "trigger",
    payload: {
      summary,
      source: "Alertmanager",
      severity: "critical",
      custom_details: { num_firing: "1", num_resolved: "0" },
    },
    client: "Alertmanager",
    client_url: "http://alertmanager.example.org/#/alerts",
  });
}

/** A 16-hex-digit fingerprint, as Alertmanager writes them. */
export function fingerprintOf(n: number): string {
  return createHash("sha256").update(String(n)).digest("hex").slice(0, 16);
}

export interface AlertPost {
  url: string;
  body: string;
}

/** Posts one alert and resolves with its sample (never rejects). */
export async function postAlert(post: AlertPost): Promise<AlertSample> {
  const { pool, path } = targetOf(post.url);
  const sentAt = now();
  try {
    const response = await pool.request({
      path,
      method: "POST",
      headers: { "content-type": "application/json" },
      body: post.body,
    });
    await response.body.dump();
    return { status: response.statusCode, ms: now() - sentAt, sentAt };
  } catch {
    // No answer: a connection error or the timeout.
    return { status: 0, ms: now() - sentAt, sentAt };
  }
}

/** Poisson arrivals at `rate` per second for `seconds`; resolves when every sample is in. */
export async function openLoopAlerts(
  next: () => AlertPost,
  rate: number,
  seconds: number,
): Promise<AlertSample[]> {
  const samples: Array<Promise<AlertSample>> = [];
  const start = performance.now();
  let due = 0;
  for (;;) {
    due += -Math.log(1 - Math.random()) * (1000 / rate);
    if (due >= seconds * 1000) break;
    const wait = start + due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const lateMs = Math.max(0, performance.now() - (start + due));
    samples.push(postAlert(next()).then((sample) => ({ ...sample, lateMs })));
  }
  return Promise.all(samples);
}

/** `clients` each post, wait for the answer, and post again, for `seconds` or `total` posts. */
export async function closedLoopAlerts(
  next: () => AlertPost,
  clients: number,
  limit: { seconds?: number; total?: number },
): Promise<AlertSample[]> {
  const samples: AlertSample[] = [];
  const end = performance.now() + (limit.seconds ?? Number.POSITIVE_INFINITY) * 1000;
  let sent = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end && sent < (limit.total ?? Number.POSITIVE_INFINITY)) {
        sent++;
        samples.push(await postAlert(next()));
      }
    }),
  );
  return samples;
}
