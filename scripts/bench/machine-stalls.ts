// What the machine itself did, second by second, beside a phase: Linux's pressure stall
// information (PSI) for I/O and CPU, and the hypervisor's steal time. Read with
// BENCH_PER_SECOND's per-second p99s, it tells a stall of the machine (the disk holding every
// fsync, a core taken away) from one of the process measured.
//   io stall: time in which some task waited for I/O (/proc/pressure/io "some");
//   cpu wait: time in which some runnable task waited for a core (/proc/pressure/cpu "some");
//   steal: time the hypervisor ran something else on this VM's cores (/proc/stat).
import { readFileSync } from "node:fs";

interface Reading {
  at: number;
  ioSomeUs: number;
  cpuSomeUs: number;
  stealTicks: number;
}

const now = () => performance.timeOrigin + performance.now();

function pressureTotal(file: string): number {
  // "some avg10=0.00 avg60=0.00 avg300=0.00 total=81711035"
  const match = /^some .*total=(\d+)/m.exec(readFileSync(file, "utf8"));
  return match ? Number(match[1]) : Number.NaN;
}

function read(): Reading | undefined {
  try {
    const cpu = readFileSync("/proc/stat", "utf8").slice(0, 200).split("\n")[0]?.trim().split(/\s+/) ?? [];
    return {
      at: now(),
      ioSomeUs: pressureTotal("/proc/pressure/io"),
      cpuSomeUs: pressureTotal("/proc/pressure/cpu"),
      // cpu user nice system idle iowait irq softirq steal ...: 100 ticks a second.
      stealTicks: Number(cpu[8]),
    };
  } catch {
    return undefined; // No PSI (an older kernel, or a container without it): nothing to say.
  }
}

export interface MachineSampler {
  /** Each second since `first` (a timeOrigin-based time), as "io stall/cpu wait/steal" in ms. */
  perSecond(first: number): Map<number, string>;
  stop(): void;
}

/** Samples every 100 ms until stopped. */
export function sampleMachine(): MachineSampler {
  const readings: Reading[] = [];
  const take = () => {
    const reading = read();
    if (reading) readings.push(reading);
  };
  take();
  const timer = setInterval(take, 100);
  return {
    perSecond(first) {
      const sums = new Map<number, { io: number; cpu: number; steal: number }>();
      for (let i = 1; i < readings.length; i++) {
        const [a, b] = [readings[i - 1] as Reading, readings[i] as Reading];
        const k = Math.floor((b.at - first) / 1000);
        if (k < 0) continue;
        const sum = sums.get(k) ?? { io: 0, cpu: 0, steal: 0 };
        sums.set(k, sum);
        sum.io += (b.ioSomeUs - a.ioSomeUs) / 1000;
        sum.cpu += (b.cpuSomeUs - a.cpuSomeUs) / 1000;
        sum.steal += (b.stealTicks - a.stealTicks) * 10;
      }
      return new Map(
        [...sums].map(
          ([k, s]) => [k, `${s.io.toFixed(0)}/${s.cpu.toFixed(0)}/${s.steal.toFixed(0)}`] as const,
        ),
      );
    },
    stop() {
      clearInterval(timer);
    },
  };
}
