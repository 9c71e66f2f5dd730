import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The system's Chromium (never a downloaded one); a test that needs it fails loudly without it. */
export const CHROMIUM = '/usr/bin/chromium';

export const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * The browser is a dependency, not the code under test: under `faketime` it would inherit
 * the fake clock (LD_PRELOAD), which stalls Chromium's own timers. It runs on the real
 * clock; the pages' times come from the app.
 */
export function browserEnvironment(): Record<string, string> {
  const entries = Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return Object.fromEntries(entries.filter(([name]) => name !== 'LD_PRELOAD' && !name.startsWith('FAKETIME')));
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium"`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: chromiumArgs, env: browserEnvironment() });
}
