import type { Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { createControlRouter, faultInputSchema, userPatchSchema } from './control-router.js';
import { createOpenApiRouter } from './open-api-router.js';
import { SimInputError } from './sim-input-error.js';
import { createSimStore, deriveLongId } from './sim-store.js';
import type {
  ApiCallRecord,
  FaultInput,
  FaultRule,
  SentFilter,
  SimState,
  SimUser,
  SlowRequestRecord,
  TokenPair,
  TranscriptItem,
  UserPatch,
  WebhookDelivery,
  WebhookResult,
  ZaloSimOptions,
} from './sim-types.js';
import { createUserActions } from './user-actions.js';
import { createWebhookPoster } from './webhook-poster.js';

export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 90_000;
const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;

export interface ZaloSimServer {
  url: string;
  close(): Promise<void>;
}

/** Sleeps for the slow-answer switch that close() can cut short, so shutdown never waits on them. */
function createDelays() {
  const pending = new Map<NodeJS.Timeout, () => void>();
  return {
    wait(ms: number): Promise<void> {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(timer);
          resolve();
        }, ms);
        pending.set(timer, resolve);
      });
    },
    cancelAll(): void {
      for (const [timer, resolve] of pending) {
        clearTimeout(timer);
        resolve();
      }
      pending.clear();
    },
  };
}

/**
 * A local stand-in for Zalo: the OA Open API, the OAuth token endpoint and the
 * ZNS endpoint on one express app, plus simulated users who post signed webhooks
 * to the bot, switches for failures, and a chat page at GET /.
 */
export function createZaloSim(options: ZaloSimOptions = {}) {
  const appId = options.appId ?? 'sim-app';
  const oaSecretKey = options.oaSecretKey ?? 'sim-oa-secret';
  const appSecret = options.appSecret ?? 'sim-app-secret';
  const clock = options.clock ?? { now: () => Date.now() };

  const store = createSimStore({
    appId,
    oaId: options.oaId ?? deriveLongId(`oa:${appId}`),
    initialTokens: options.initialTokens ?? { accessToken: 'sim-access-0', refreshToken: 'sim-refresh-0' },
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
    clock,
    oldAccessTokensStayValid: options.oldAccessTokensStayValid ?? false,
    echoSends: options.echoSends ?? true,
    postReceipts: options.postReceipts ?? true,
    webhookUrl: options.webhookUrl ?? null,
  });

  let publicUrl: string | null = options.publicUrl?.replace(/\/+$/, '') ?? null;
  const getPublicUrl = (): string => {
    if (publicUrl === null) throw new Error('zalo-sim: attachment URLs need a base: call listen() first or pass publicUrl');
    return publicUrl;
  };

  const poster = createWebhookPoster(store, {
    appId,
    oaSecretKey,
    timeoutMs: options.webhookTimeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
  });
  const actions = createUserActions(store, poster, getPublicUrl);
  const delays = createDelays();

  const app = express();
  app.disable('x-powered-by');
  app.use(createOpenApiRouter({ store, poster, appSecret, publicUrl: getPublicUrl, wait: delays.wait }));
  app.use('/sim', createControlRouter({ store, poster, actions }));
  app.use(express.static(fileURLToPath(new URL('./public/', import.meta.url))));
  app.use((req: Request, res: Response) => {
    res.status(404).json({ error: 404, message: `The Zalo stand-in has no ${req.method} ${req.path}` });
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const message = error instanceof Error ? error.message : String(error);
    res.status(500).json({ error: 500, message: `zalo-sim: ${message}` });
  });

  async function listen(port = 0, host = '127.0.0.1'): Promise<ZaloSimServer> {
    const server: Server = await new Promise((resolve, reject) => {
      const started = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(started)));
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('zalo-sim: server has no TCP address');
    const url = `http://${host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host}:${address.port}`;
    publicUrl ??= url;
    return {
      url,
      close: () =>
        new Promise<void>((resolve, reject) => {
          delays.cancelAll();
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        }),
    };
  }

  return {
    /** The express app; mount it yourself or call listen(). */
    app,
    listen,
    appId,
    oaId: store.config.oaId,

    // ---- inspection ----
    getState: (): SimState => store.getState(),
    /** Accepted OA messages (cs, template, ZNS, admin), oldest first. */
    getSent: (filter?: SentFilter): TranscriptItem[] => store.getSent(filter),
    /** Both directions for one user (or everyone), oldest first. */
    getTranscript: (userId?: string): TranscriptItem[] => store.getTranscript(userId),
    getCalls: (filter?: { path?: string }): ApiCallRecord[] => store.getCalls(filter),
    getDeliveries: (filter?: { userId?: string; eventName?: string }): WebhookDelivery[] => store.getDeliveries(filter),
    getFaults: (): FaultRule[] => store.getFaults(),
    getSlowRequests: (): SlowRequestRecord[] => store.getSlowRequests(),
    getUser: (userId: string): SimUser | undefined => {
      const user = store.getUser(userId);
      return user ? { ...user } : undefined;
    },
    listUsers: (): SimUser[] => store.listUsers(),

    // ---- switches ----
    expireAccessToken: (): void => store.expireAccessToken(),
    /** Installs a fresh grant, as an OA admin consenting again in the browser would. */
    grantTokens: (pair: TokenPair): void => store.grantTokens(pair),
    failNext: (input: FaultInput): FaultRule => {
      const parsed = faultInputSchema.safeParse(input);
      if (!parsed.success) throw new SimInputError(parsed.error.issues.map((i) => i.message).join('; '));
      return store.addFault(parsed.data);
    },
    clearFaults: (): void => store.clearFaults(),
    setUser: (userId: string, patch: UserPatch): SimUser => {
      const parsed = userPatchSchema.safeParse(patch);
      if (!parsed.success) throw new SimInputError(parsed.error.issues.map((i) => i.message).join('; '));
      return store.setUser(userId, parsed.data);
    },
    setWebhookUrl: (url: string | null): void => store.setWebhookUrl(url),
    reset: (): void => store.reset(),
    /** Resolves once every queued echo and receipt has been posted. */
    whenIdle: (): Promise<void> => poster.whenIdle(),
    redeliver: (deliveryId: string): Promise<WebhookResult> => poster.redeliver(deliveryId),

    // ---- acting as users ----
    ...actions,
  };
}

export type ZaloSim = ReturnType<typeof createZaloSim>;
