/**
 * Headless Chromium for the browser tests, driven with playwright-core (which downloads no browser
 * of its own). The browser is Debian's `chromium` package: installed here with apt-get when missing
 * and this runs as root (as on the CI machine), so that `npm test` needs no set-up of its own.
 * CHROMIUM_PATH names another Chromium or Chrome (e.g. a hosted runner's preinstalled Chrome).
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const DEBIAN_CHROMIUM = "/usr/bin/chromium";

function chromiumPath(): string {
  const wanted = process.env.CHROMIUM_PATH;
  if (wanted) return wanted;
  if (existsSync(DEBIAN_CHROMIUM)) return DEBIAN_CHROMIUM;
  if (process.getuid?.() !== 0) throw new Error(`no Chromium at ${DEBIAN_CHROMIUM}: install Debian's chromium package, or set CHROMIUM_PATH`);
  const apt = (...args: string[]) => execFileSync("apt-get", args, { stdio: "ignore", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  try {
    apt("install", "-y", "--no-install-recommends", "chromium");
  } catch {
    apt("update");
    apt("install", "-y", "--no-install-recommends", "chromium");
  }
  return DEBIAN_CHROMIUM;
}

/** A fresh headless browser; flags keep it from reaching for Google's services, which this network refuses. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}
