// The load generator times every answer in its own process, on the same 2-core machine as the
// side it measures. A generator that waits for a core while answers arrive adds that wait to
// their times: in the alerts runs of 2026-12-01, the seconds whose p99 passed 50 ms, the durable
// floor's included, were seconds in which the generator also sent its posts late (16-81 ms
// against a usual 4-10). Its thread gets a higher priority (nice -10) for the measured phases
// only, the same for every side: the server then waits for a core instead of its client, so a
// busy machine is counted against the server measured, as it would be with the sender on a
// machine of its own. Needs root (CAP_SYS_NICE); otherwise the phases run as before and the
// report says so.
import os from "node:os";

export const RAISED_NICE = -10;

/** Raises this thread's priority; the function returned puts it back. Undefined when not allowed. */
export function raiseClientPriority(): (() => void) | undefined {
  const before = os.getPriority();
  try {
    // pid 0: the calling thread on Linux (setpriority(2)), the one that sends and times the posts.
    os.setPriority(0, RAISED_NICE);
  } catch {
    return undefined;
  }
  return () => os.setPriority(0, before);
}
