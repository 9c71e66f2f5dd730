import { once } from 'node:events';
import { createServer } from 'node:http';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ZaloSim } from '../../tools/zalo-sim/zalo-sim.js';

/** A phone in Zalo's in-app browser, and an office desktop. */
export const screenSizes = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;

/**
 * Photographs pages at both sizes into `dir`, numbered in order, and, where `checked` says
 * so for the page's address, fails when it scrolls sideways at either size.
 */
export function pageShots(dir: string, checked: (url: string) => boolean) {
  const shots: string[] = [];
  return {
    shots,
    async shoot(page: Page, name: string): Promise<void> {
      const file = `${String(shots.length / 2 + 1).padStart(2, '0')}-${name}`;
      for (const size of screenSizes) {
        await page.setViewportSize(size);
        if (checked(page.url())) {
          // Evaluated in the page; a string keeps DOM types out of this Node-side file.
          const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
          expect(overflow, `${name} at ${size.width} px scrolls sideways`).toBeLessThanOrEqual(0);
        }
        const path = `${file}-${size.width}x${size.height}.png`;
        // Chromium on a busy machine now and then fails to capture a long page on the first try.
        await page.screenshot({ path: join(dir, path), fullPage: true }).catch(async () => {
          await page.waitForTimeout(500);
          await page.screenshot({ path: join(dir, path), fullPage: true });
        });
        shots.push(path);
      }
      await page.setViewportSize(screenSizes[0]);
    },
  };
}

/** The address of the latest "open URL" button the stand-in delivered to this person. */
export function lastUrlSentTo(sim: ZaloSim, userId: string): string | undefined {
  const payload = sim
    .getSent({ userId })
    .flatMap((m) => m.buttons ?? [])
    .filter((b) => b.type === 'oa.open.url')
    .at(-1)?.payload;
  const url = typeof payload === 'object' && payload !== null && 'url' in payload ? payload.url : undefined;
  return typeof url === 'string' ? url : undefined;
}

/** A free port, chosen before the bot starts so the links it sends can point at it. */
export async function freePort(): Promise<number> {
  const probe = createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const address = probe.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
