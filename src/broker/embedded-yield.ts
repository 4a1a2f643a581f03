/**
 * PGlite answers in the process's own thread, and a query whose turn comes resolves without ever
 * going back to the event loop: while queries keep coming (a checkout's steps, the relay, the
 * subscribers), the loop never polls, so requests that have arrived are not even read. Measured
 * under the checkout bench: 19 of 50 connections waiting outside the server at any moment, 201
 * p99 6-7 s and requests unanswered after 10 s. Each call therefore first waits one turn of the
 * event loop (setImmediate runs right after the poll phase), so arrived I/O is taken in between.
 */
import type { PGlite } from "@electric-sql/pglite";

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export function yieldBeforeEachCall(pglite: PGlite): void {
  for (const name of ["query", "exec", "transaction"] as const) {
    const call = pglite[name] as (...args: unknown[]) => Promise<unknown>;
    Object.assign(pglite, {
      [name]: async (...args: unknown[]) => {
        await nextTurn();
        return call.apply(pglite, args);
      },
    });
  }
}
