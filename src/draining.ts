/**
 * Whether this process has been asked to stop. From then on its readiness probes answer 503 while
 * it still serves, so that load balancers stop sending requests before it stops taking them.
 */
let draining = false;

export const isDraining = (): boolean => draining;

export function startDraining(): void {
  draining = true;
}
