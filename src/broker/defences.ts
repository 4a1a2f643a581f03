/**
 * Switches that turn one defence off, for `npm run test:defences` alone: it runs each defence's
 * tests with its switch on and shows them failing, which proves they test that defence and not
 * something beside it. Read only under NODE_ENV=test (as vitest and the test topologies run);
 * in development and production they do not exist.
 */
export const DEFENCES = ["packet-sealing", "replay-window", "event-sealing", "module-keys", "service-identity", "inbox-dedupe", "rate-limit", "nats-permissions"] as const;
export type Defence = (typeof DEFENCES)[number];

/** Whether `defence` is switched off for this test run (BAZAAR_DEFENCE_OFF=<defence>, NODE_ENV=test). */
export function defenceOff(defence: Defence, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NODE_ENV === "test" && env.BAZAAR_DEFENCE_OFF === defence;
}
