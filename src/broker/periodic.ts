/**
 * Background work a module runs on a schedule (expiring reservations, retrying payments): one run
 * at a time, again after `intervalMs` or sooner when nudged, and a stop that waits for the run.
 */
import type { Logger } from "pino";

export interface Periodic {
  nudge(): void;
  stop(): Promise<void>;
}

export function startPeriodic(name: string, intervalMs: number, work: () => Promise<void>, log: Logger): Periodic {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = () => {
    if (stopped || running) return;
    clearTimeout(timer);
    running = work()
      .catch((error) => log.warn({ err: error, work: name }, "background work failed; retrying at the next run"))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(run, intervalMs);
      });
  };
  timer = setTimeout(run, 0);
  return {
    nudge: run,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
