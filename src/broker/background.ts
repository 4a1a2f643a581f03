/**
 * Background work of a module (relaying its outbox, charging payments, expiring reservations):
 * it runs when woken, because a commit just gave it work; when the work it knows of falls due; and
 * otherwise only at a slow fallback interval, for work that a crashed or another instance left
 * behind. So an idle module costs the database next to nothing, and busy work starts at once.
 * One run at a time; a wake-up during a run causes one more run right after it.
 */
import type { Logger } from "pino";

/** A run's answer: in how many ms the work it left behind falls due (e.g. a retry), if it knows. */
export type NextDue = number | undefined | void;

export interface Worker {
  wake(): void;
  /** Waits for the current run; no run starts after it. */
  stop(): Promise<void>;
}

export function startWorker(name: string, run: () => Promise<NextDue>, options: { fallbackMs: number; log: Logger; firstRunMs?: number }): Worker {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const schedule = (inMs: number) => {
    clearTimeout(timer);
    timer = setTimeout(wake, Math.max(0, Math.min(inMs, options.fallbackMs)));
    // A worker waiting for its next run must not keep the process alive.
    timer.unref();
  };
  function wake(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    clearTimeout(timer);
    running = run()
      .then((due) => due ?? options.fallbackMs, (error) => {
        options.log.warn({ err: error, work: name }, "background work failed; retrying at the next run");
        return options.fallbackMs;
      })
      .then((due) => {
        running = undefined;
        if (stopped) return;
        if (again) {
          again = false;
          schedule(0);
        } else schedule(due);
      });
  }
  schedule(options.firstRunMs ?? 0);
  return {
    wake,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
