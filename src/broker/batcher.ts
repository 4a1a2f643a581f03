/**
 * Gathers work that arrives while a batch is being handled into the next batch. At low load each
 * item goes alone and at once; under load, items share a round trip (one transaction, one insert,
 * one update for many) instead of queueing behind each other one by one.
 */

/** One answer per item, in order; an Error fails that item alone. */
export type BatchHandler<T, R> = (items: T[]) => Promise<(R | Error)[]>;

interface Pending<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

export function batcher<T, R>(handle: BatchHandler<T, R>, maxBatch: number): (item: T) => Promise<R> {
  const queue: Pending<T, R>[] = [];
  let busy = false;
  const drain = async () => {
    busy = true;
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      try {
        const results = await handle(batch.map((pending) => pending.item));
        batch.forEach((pending, i) => {
          const result = results[i] as R | Error;
          if (result instanceof Error) pending.reject(result);
          else pending.resolve(result);
        });
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
    }
    busy = false;
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!busy) void drain();
    });
}
