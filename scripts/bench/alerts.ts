// The alerts section of `npm run bench` (issue 15): alerts accepted per second and response
// latency next to a floor (tocsin's HTTP server class with an empty handler, its own process),
// alert received to page delivered (the page's direct message at the Slack double), and a
// 10,000-alert storm that must fold into one page per group with no notification storm.
//
// Two tocsin runs, each on a fresh data dir with an on-call configuration of its own: the first
// with page limits out of the way (every new alert group pages bob at once, so latency is
// tocsin's and not the limits'), the second with the default limits (5 pages per person per
// 10 minutes), which the storm must respect.
import { chmod, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "../../src/db/database.ts";
import { freeLoopbackPort } from "../../src/db/embedded-postgres.ts";
import {
  ALERT_TIMEOUT_MS,
  type AlertPost,
  type AlertSample,
  alertmanagerBody,
  closedLoopAlerts,
  fingerprintOf,
  openLoopAlerts,
  pageMarker,
  pagerDutyBody,
  postAlert,
  repeatedGroupPosts,
} from "./alert-load.ts";
import { RAISED_NICE, raiseClientPriority } from "./client-priority.ts";
import { sampleMachine } from "./machine-stalls.ts";
import {
  type Doubles,
  type Running,
  startAlertFloor,
  startDoubles,
  startTocsin,
  tocsinEnv,
  untilReady,
} from "./processes.ts";
import { fmtMs, fmtRate, minOf, percentile, type Spread, spread } from "./stats.ts";

export const AM_KEY = "bench-alertmanager-key-0123456789abcdef";
const PD_KEY = "bench-pagerduty-key-0123456789abcdef0123";
/** The default page limits the storm must hold: 5 pages per person in 10 minutes. */
const PER_PERSON = 5;

export function oncallConfig(limits: string): string {
  return `people:
  - { id: alice, name: Alice, timeZone: UTC, identities: { slack: U0ALICE } }
  - { id: bob, name: Bob, timeZone: UTC, identities: { slack: U0BOB } }
teams:
  - id: sre
    name: SRE
    members: [alice, bob]
    escalationPolicy: sre
    rotations:
      - { id: primary, type: weekly, participants: [bob], start: "2026-01-05", handoff: "09:00", timeZone: UTC }
escalationPolicies:
  - id: sre
    levels:
      - { target: { oncall: sre }, after: 30m }
      - { target: { person: alice }, after: 30m }
integrations:
  - { id: bench-alertmanager, kind: alertmanager, team: sre, key: ${AM_KEY} }
  - { id: bench-pagerduty, kind: pagerduty, team: sre, key: ${PD_KEY} }
${limits}`;
}

/**
 * What a developer's alert script starts from: a data root under the system's temporary folder
 * (`prefix`), the doubles, the on-call file with `limits`, and tocsin's environment for them.
 */
export async function alertRig(
  prefix: string,
  limits: string,
): Promise<{ root: string; doubles: Doubles; port: number; env: Record<string, string> }> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(root, 0o755);
  const doubles = await startDoubles();
  const config = path.join(root, "oncall.yaml");
  await writeFile(config, oncallConfig(limits));
  const port = await freeLoopbackPort();
  return {
    root,
    doubles,
    port,
    env: { ...tocsinEnv(path.join(root, "tocsin"), port, doubles), ONCALL_CONFIG: config },
  };
}

export interface AlertBenchOptions {
  root: string;
  doubles: Doubles;
  quick: boolean;
  reps: number;
  phaseSeconds: number;
  /** Raise the load generator's priority during the measured phases (client-priority.ts). */
  clientPriority: boolean;
  progress(what: string): void;
  tracked<T extends { stop(): Promise<void> }>(running: T): T;
}

export interface AlertBenchResult {
  rows: string[][];
  /** The same loads against the durable floor (alert-floor.ts). */
  durableRows: string[][];
  goals: string[][];
  extra: string[][];
}

interface RunFigures {
  sent: number;
  p50: number;
  p99: number;
  acceptedPerSecond: number;
  failures: Record<string, number>;
}

function figuresOf(samples: AlertSample[], seconds: number): RunFigures {
  // A post not accepted counts as the timeout, so a p99 is never flattered: unanswered, or
  // refused (a 429 or 5xx answers fast, but its alert is accepted only when the sender retries,
  // seconds later). Until 2026-12-01 a refusal counted its fast answer; a stall that filled the
  // in-flight limit then lowered the p99 it should have raised.
  const times = samples.map((s) => (s.status >= 200 && s.status < 300 ? s.ms : ALERT_TIMEOUT_MS));
  const failures: Record<string, number> = {};
  for (const s of samples) {
    if (s.status >= 200 && s.status < 300) continue;
    const kind = s.status === 0 ? "timeout" : `HTTP ${s.status}`;
    failures[kind] = (failures[kind] ?? 0) + 1;
  }
  const accepted = samples.filter((s) => s.status >= 200 && s.status < 300).length;
  return {
    sent: samples.length,
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    acceptedPerSecond: accepted / seconds,
    failures,
  };
}

function failureText(runs: RunFigures[]): string {
  const total: Record<string, number> = {};
  let sent = 0;
  for (const run of runs) {
    sent += run.sent;
    for (const [k, v] of Object.entries(run.failures)) total[k] = (total[k] ?? 0) + v;
  }
  const parts = Object.entries(total).map(([k, v]) => `${v} ${k}`);
  return `${sent} sent${parts.length ? `, ${parts.join(", ")}` : ", all accepted"}`;
}

const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

export async function benchAlerts(options: AlertBenchOptions): Promise<AlertBenchResult> {
  const { doubles, progress, tracked } = options;
  // Pages delivered, by alert marker id; the time of the last direct message seen.
  const delivered = new Map<number, number>();
  const pageWaiters = new Map<number, (at: number) => void>();
  let lastPageAt = performance.now();
  doubles.onPages((pages) => {
    lastPageAt = performance.now();
    for (const [id, at] of pages) {
      delivered.set(id, at);
      pageWaiters.get(id)?.(at);
      pageWaiters.delete(id);
    }
  });
  const pageOf = (id: number, timeoutMs: number): Promise<number | undefined> => {
    const at = delivered.get(id);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        pageWaiters.delete(id);
        resolve(undefined);
      }, timeoutMs);
      pageWaiters.set(id, (arrived) => {
        clearTimeout(timer);
        resolve(arrived);
      });
    });
  };
  /**
   * The barrier between phases: a new alert group whose page must reach bob. Pages go out in the
   * order their alerts were accepted, so once it arrives nothing of the phase before is still
   * being worked on and the next phase (or the floor) does not run beside a backlog.
   */
  const drain = async (base: string) => {
    const id = nextMarker++;
    const arrived = pageOf(id, 180_000);
    for (let attempt = 0; attempt < 60; attempt++) {
      const sample = await postAlert({
        url: `${base}/alerts/alertmanager/${AM_KEY}`,
        body: alertmanagerBody(`Probe${id}`, `Barrier probe ${pageMarker(id)}`, [
          { fingerprint: fingerprintOf(20_000_000 + id), status: "firing" },
        ]),
      });
      if (sample.status >= 200 && sample.status < 300) break;
      // Refused while still busy (429/503) or timed out: Alertmanager would retry too.
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    if ((await arrived) === undefined) throw new Error("a barrier alert's page never arrived (3 minutes)");
  };
  /** Until no page arrived for `quietMs` (pages of a phase still going out), at most `limitMs`. */
  const settle = async (quietMs: number, limitMs: number) => {
    const t0 = performance.now();
    while (performance.now() - lastPageAt < quietMs && performance.now() - t0 < limitMs) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  let nextMarker = 1;
  /** Seconds of each measured open-loop rate a side takes before the measured phases. */
  const WARM_UP_S = Math.min(3, options.phaseSeconds);

  const start = async (
    name: string,
    limits: string,
  ): Promise<{ tocsin: Running; port: number; dir: string }> => {
    const dir = path.join(options.root, name);
    const config = path.join(options.root, `${name}-oncall.yaml`);
    await writeFile(config, oncallConfig(limits));
    const port = await freeLoopbackPort();
    const env = { ...tocsinEnv(dir, port, doubles), ONCALL_CONFIG: config };
    const logFile = path.join(options.root, `${name}.log`);
    const t0 = performance.now();
    const tocsin = tracked(startTocsin("node", env, logFile));
    await untilReady(port, tocsin.child, t0).catch(async (error: Error) => {
      const log = await readFile(logFile, "utf8").catch(() => "");
      throw new Error(`${error.message}\n${log.slice(-4000)}`);
    });
    return { tocsin, port, dir };
  };

  // ---- throughput and latency, page limits out of the way ------------------------------------
  progress("alerts: starting tocsin (page limits off) and the alerts floor");
  const first = await start("alerts", "pageLimits: { mergeWithin: 1s, perPerson: 100000, window: 1m }\n");
  const floorPort = await freeLoopbackPort();
  const floor = tracked(await startAlertFloor(floorPort));
  progress("alerts: starting the durable floor (its own PostgreSQL)");
  const durablePort = await freeLoopbackPort();
  const durable = tracked(
    await startAlertFloor(durablePort, path.join(options.root, "durable-floor", "postgres")),
  );
  const targets = {
    tocsin: `http://127.0.0.1:${first.port}`,
    floor: `http://127.0.0.1:${floorPort}`,
    durable: `http://127.0.0.1:${durablePort}`,
  };
  const repeat = (base: string) => repeatedGroupPosts(`${base}/alerts/alertmanager/${AM_KEY}`);
  // Warm-up, the same for all three sides: the first requests of a process prepare what later ones reuse,
  // and V8 compiles a hot path for the load it sees. 200 requests at 8 clients were not enough:
  // the first second of the first phase at each rate measured p99 of 350-370 ms (the steady
  // seconds after it 20-80 ms; cause not isolated), so each side also takes WARM_UP_S of the
  // measured loads' rates.
  await closedLoopAlerts(repeat(targets.tocsin), 8, { total: 200 });
  await closedLoopAlerts(repeat(targets.floor), 8, { total: 200 });
  await closedLoopAlerts(repeat(targets.durable), 8, { total: 200 });
  for (const rate of [500, 1000]) {
    await openLoopAlerts(repeat(targets.tocsin), rate, WARM_UP_S);
    await drain(targets.tocsin);
    await openLoopAlerts(repeat(targets.floor), rate, WARM_UP_S);
    await openLoopAlerts(repeat(targets.durable), rate, WARM_UP_S);
  }

  const scenarios = [
    {
      name: "alerts: open loop 500/s",
      run: (next: () => AlertPost) => openLoopAlerts(next, 500, options.phaseSeconds),
    },
    {
      name: "alerts: open loop 1,000/s",
      run: (next: () => AlertPost) => openLoopAlerts(next, 1000, options.phaseSeconds),
    },
    {
      name: "alerts: closed loop 32 clients",
      run: (next: () => AlertPost) => closedLoopAlerts(next, 32, { seconds: options.phaseSeconds }),
    },
  ];
  const perSecond = process.env.BENCH_PER_SECOND === "1";
  let priorityRefused = false;
  const runs = new Map<string, Record<keyof typeof targets, RunFigures[]>>();
  const sides = ["tocsin", "floor", "durable"] as const;
  for (let rep = 0; rep < options.reps; rep++) {
    for (const scenario of scenarios) {
      const entry = runs.get(scenario.name) ?? { tocsin: [], floor: [], durable: [] };
      runs.set(scenario.name, entry);
      // Each side goes first, second and last in turn.
      const order = sides.map((_, i) => sides[(i + rep) % sides.length] as (typeof sides)[number]);
      for (const target of order) {
        progress(`rep ${rep + 1}/${options.reps}: ${scenario.name}, ${target}`);
        const t0 = performance.now();
        const machine = perSecond ? sampleMachine() : undefined;
        const lower = options.clientPriority ? raiseClientPriority() : undefined;
        if (options.clientPriority && !lower && !priorityRefused) {
          priorityRefused = true;
          progress(
            "alerts: the load generator's priority could not be raised (not root): phases run at nice 0",
          );
        }
        const samples = await scenario.run(repeat(targets[target])).finally(() => lower?.());
        machine?.stop();
        entry[target].push(figuresOf(samples, (performance.now() - t0) / 1000));
        if (machine && samples.length > 0) {
          // Where a phase's tail came from: each second's p99, its refusals (429s) and, open
          // loop, how late the load generator itself sent its latest post (its own stalls).
          const first = minOf(samples.map((x) => x.sentAt));
          const bySecond = new Map<number, number[]>();
          const refused = new Map<number, number>();
          const late = new Map<number, number>();
          for (const x of samples) {
            const k = Math.floor((x.sentAt - first) / 1000);
            const second = bySecond.get(k) ?? [];
            if (second.length === 0) bySecond.set(k, second);
            second.push(x.ms);
            if (x.status !== 202) refused.set(k, (refused.get(k) ?? 0) + 1);
            if (x.lateMs !== undefined) late.set(k, Math.max(late.get(k) ?? 0, x.lateMs));
          }
          const lateOf = (k: number) => (late.has(k) ? `/${(late.get(k) ?? 0).toFixed(0)}` : "");
          progress(
            `  per second (p99 ms/refused${late.size > 0 ? "/sender late ms" : ""}): ${[...bySecond]
              .sort((a, b) => a[0] - b[0])
              .map(([k, v]) => `${k}:${percentile(v, 99).toFixed(0)}/${refused.get(k) ?? 0}${lateOf(k)}`)
              .join(" ")}`,
          );
          const byMachine = machine.perSecond(first);
          progress(
            `  machine per second (io stall/cpu wait/steal ms): ${[...byMachine]
              .filter(([k]) => bySecond.has(k))
              .map(([k, v]) => `${k}:${v}`)
              .join(" ")}`,
          );
        }
        if (target === "tocsin") await drain(targets.tocsin);
      }
    }
  }

  // Alert received to page delivered: new groups at 5/s, each with a marker in its summary.
  const toPage: number[][] = [];
  let toPageMissing = 0;
  /** Posts of that phase tocsin did not accept (their alerts cannot page). */
  let toPageRefused = 0;
  for (let rep = 0; rep < options.reps; rep++) {
    progress(`rep ${rep + 1}/${options.reps}: alerts: received to page delivered, new groups at 5/s`);
    const waits: Array<Promise<number | undefined>> = [];
    const sentAt = new Map<number, number>();
    const posted = await openLoopAlerts(
      () => {
        const id = nextMarker++;
        waits.push(
          Promise.resolve().then(async () => {
            const at = await pageOf(id, ALERT_TIMEOUT_MS);
            const sent = sentAt.get(id);
            return at === undefined || sent === undefined ? undefined : at - sent;
          }),
        );
        const post = {
          url: `${targets.tocsin}/alerts/alertmanager/${AM_KEY}`,
          body: alertmanagerBody(`NodeDown${id}`, `Node down on rack ${id} ${pageMarker(id)}`, [
            { fingerprint: fingerprintOf(10_000_000 + id), status: "firing" },
          ]),
        };
        sentAt.set(id, performance.timeOrigin + performance.now());
        return post;
      },
      5,
      Math.max(4, options.phaseSeconds),
    );
    toPageRefused += posted.filter((sample) => sample.status < 200 || sample.status >= 300).length;
    const latencies = await Promise.all(waits);
    toPageMissing += latencies.filter((ms) => ms === undefined).length;
    toPage.push(latencies.map((ms) => ms ?? ALERT_TIMEOUT_MS));
    await drain(targets.tocsin);
  }
  await first.tocsin.stop();
  await floor.stop();
  await durable.stop();

  // ---- the storm, default page limits ----------------------------------------------------------
  progress("alerts: starting tocsin (default page limits) for the storm");
  const second = await start("storm", "");
  const stormBase = `http://127.0.0.1:${second.port}`;
  const callsBefore = await doubles.calls();
  const AM_GROUPS = 16;
  const PD_KEYS = 4;
  const STORM = 10_000;
  let stormN = 0;
  const stormPost = (): AlertPost => {
    const n = stormN++;
    // One post in five is a PagerDuty event on one of 4 dedup keys; the rest are Alertmanager
    // notifications of 16 groups, each with up to 500 distinct alerts (fingerprints), repeated.
    if (n % 5 === 4) {
      const key = n % (PD_KEYS * 5);
      return {
        url: `${stormBase}/v2/enqueue`,
        body: pagerDutyBody(PD_KEY, `storm-${key}`, `Storm event ${key}: upstream link flapping`),
      };
    }
    const group = n % AM_GROUPS;
    const alerts = Array.from({ length: 1 + (n % 3) }, (_, i) => ({
      fingerprint: fingerprintOf(group * 100_000 + ((n * 7 + i * 131) % 500)),
      status: "firing" as const,
    }));
    return {
      url: `${stormBase}/alerts/alertmanager/${AM_KEY}`,
      body: alertmanagerBody(`StormGroup${group}`, `Storm group ${group}: many hosts unreachable`, alerts),
    };
  };
  progress(`alerts: a storm of ${STORM} alerts, 64 clients`);
  const stormStart = performance.now();
  const stormSamples = await closedLoopAlerts(stormPost, 64, { total: STORM });
  const stormSeconds = (performance.now() - stormStart) / 1000;
  // Pages and notices still going out: wait for three quiet seconds (at most a minute).
  await settle(3000, 60_000);
  const callsAfter = await doubles.calls();
  await second.tocsin.stop();
  const database = await openDatabase({ embeddedDataDir: path.join(second.dir, "postgres") });
  const [counts] = await database.prisma.$queryRaw<Array<{ alerts: number; paged: number; pages: number }>>`
    select count(*)::int as alerts, count("pageId")::int as paged, (select count(*)::int from "Page") as pages
    from "Alert"`;
  await database.close();
  const stormFigures = figuresOf(stormSamples, stormSeconds);
  // Direct messages of the storm per person (per DM channel): each within the per-person limit.
  const stormDms = Object.entries(callsAfter)
    .filter(([name]) => name.startsWith("dm:"))
    .map(([name, count]) => [name.slice(3), count - (callsBefore[name] ?? 0)] as const)
    .filter(([, count]) => count > 0);
  const mostDms = Math.max(0, ...stormDms.map(([, count]) => count));
  const expectedPages = AM_GROUPS + PD_KEYS;

  // ---- figures ---------------------------------------------------------------------------------
  const rows: string[][] = [];
  for (const [name, entry] of runs) {
    const t99 = spread(entry.tocsin.map((r) => r.p99));
    const f99 = spread(entry.floor.map((r) => r.p99));
    rows.push([
      name,
      fmtMs(spread(entry.tocsin.map((r) => r.p50))),
      fmtMs(t99),
      fmtMs(spread(entry.floor.map((r) => r.p50))),
      fmtMs(f99),
      `${(t99.median / f99.median).toFixed(2)}x`,
      fmtRate(spread(entry.tocsin.map((r) => r.acceptedPerSecond))),
      fmtRate(spread(entry.floor.map((r) => r.acceptedPerSecond))),
      `tocsin ${failureText(entry.tocsin)}; floor ${failureText(entry.floor)}`,
    ]);
  }
  const durableRows: string[][] = [];
  for (const [name, entry] of runs) {
    const t99 = spread(entry.tocsin.map((r) => r.p99));
    const d99 = spread(entry.durable.map((r) => r.p99));
    durableRows.push([
      name,
      fmtMs(spread(entry.durable.map((r) => r.p50))),
      fmtMs(d99),
      fmtMs(t99),
      `${(t99.median / d99.median).toFixed(2)}x`,
      fmtRate(spread(entry.durable.map((r) => r.acceptedPerSecond))),
      // Repetition by repetition: whether tocsin's worst phases were the machine's worst too.
      entry.tocsin.map((r, i) => `${r.p99.toFixed(1)}/${entry.durable[i]?.p99.toFixed(1) ?? "?"}`).join(", "),
      `durable floor ${failureText(entry.durable)}`,
    ]);
  }
  const bestRate = Math.max(...[...runs.values()].flatMap((e) => e.tocsin.map((r) => r.acceptedPerSecond)));
  const at1000: Spread = spread(runs.get("alerts: open loop 1,000/s")!.tocsin.map((r) => r.p99));
  const toPageP99 = spread(toPage.map((values) => percentile(values, 99)));
  const stormOk =
    counts?.alerts === expectedPages && counts.paged === expectedPages && counts.pages === expectedPages;
  const goals = [
    ["alerts accepted/s >= 1,000", `best run ${bestRate.toFixed(0)}/s`, verdict(bestRate >= 1000)],
    [
      "alert response p99 < 50 ms at 1,000/s",
      `${fmtMs(at1000)} ms (min/median/max of ${options.reps})`,
      verdict(at1000.max < 50),
    ],
    [
      "alert to page delivered p99 < 250 ms",
      `${fmtMs(toPageP99)} ms (${toPage.flat().length - toPageMissing} of ${toPage.flat().length} delivered, ${toPageRefused} posts refused)`,
      verdict(toPageMissing === 0 && toPageP99.max < 250),
    ],
    [
      `storm of ${STORM} folds into ${expectedPages} pages`,
      `${counts?.alerts ?? "?"} alerts, ${counts?.paged ?? "?"} paged, ${counts?.pages ?? "?"} pages`,
      verdict(stormOk),
    ],
    [
      `storm: nobody gets more than ${PER_PERSON} pages + 1 notice`,
      `at most ${mostDms} direct messages to one person (${stormDms.length} people messaged)`,
      verdict(mostDms <= PER_PERSON + 1),
    ],
  ];
  const dmsByChannel = stormDms.map(([channel, count]) => `${channel} ${count}`).join(", ");
  const extra = [
    [
      "load generator during the intake phases",
      !options.clientPriority
        ? "nice 0 (BENCH_CLIENT_PRIORITY=0)"
        : priorityRefused
          ? "nice 0 (raising its priority was refused: not root)"
          : `nice ${RAISED_NICE} (client-priority.ts)`,
    ],
    ["storm: direct messages by channel", dmsByChannel || "none"],
    [
      "storm: accepted",
      `${stormSamples.filter((s) => s.status >= 200 && s.status < 300).length} of ${STORM} in ${stormSeconds.toFixed(1)} s (${stormFigures.acceptedPerSecond.toFixed(0)}/s, p99 ${stormFigures.p99.toFixed(1)} ms; ${failureText([stormFigures])})`,
    ],
  ];
  return { rows, durableRows, goals, extra };
}
