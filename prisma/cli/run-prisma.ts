import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const prismaCli = createRequire(import.meta.url).resolve('prisma/build/index.js');
const unrefTimers = fileURLToPath(new URL('./unref-timers.ts', import.meta.url));

// Runs the Prisma CLI with the timer preload, passing its output through; resolves with
// its exit code. tsx is imported first so the preload can be TypeScript.
export function runPrisma(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', unrefTimers, prismaCli, ...args], {
    env,
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve(code ?? 1)); // null: killed by a signal
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await runPrisma(process.argv.slice(2));
}
