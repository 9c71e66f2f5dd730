// Preloaded into the Prisma CLI (node --import). The WASM schema engine arms timeouts
// with setTimeout, such as the 10 s one around its advisory lock, and never clears them,
// so the CLI would sit idle that long after its work is done. An unreferenced timer
// still fires while the process has work in flight (open database sockets keep it
// alive) but no longer holds the process open once everything else has finished.
const armTimeout = globalThis.setTimeout;

globalThis.setTimeout = Object.assign(
  (...args: Parameters<typeof armTimeout>) => armTimeout(...args).unref(),
  { __promisify__: armTimeout.__promisify__ },
);
