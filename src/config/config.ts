import { isAbsolute, join } from 'node:path';
import { z } from 'zod';
import type { DocumentStorageConfig } from '../storage/create-document-storage.js';
import { projectRoot } from './project-root.js';

// Only this module reads process.env. Everything else receives a Config.

const url = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();

const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    ROLE: z.enum(['web', 'worker', 'all']).default('all'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_BASE_URL: url.default('http://127.0.0.1:3000'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL'),
    DATABASE_POOL_SIZE: positiveInt.default(20),
    REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL'),
    QUEUE_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i).default('ocop'),

    ZALO_OA_API_URL: url.default('https://openapi.zalo.me'),
    ZALO_OAUTH_URL: url.default('https://oauth.zaloapp.com'),
    ZALO_BUSINESS_API_URL: url.default('https://business.openapi.zalo.me'),
    // Where the OA's chat opens (https://zalo.me/<OA id>): the console's invitation QR codes point there.
    ZALO_OA_CHAT_URL: url.optional(),
    ZALO_APP_ID: z.string().min(1),
    ZALO_APP_SECRET: z.string().min(1),
    ZALO_OA_SECRET_KEY: z.string().min(1),
    // Sources disagree on which secret signs webhooks; the OA Secret Key is the documented one.
    ZALO_WEBHOOK_SECRET: z.enum(['oa_secret_key', 'app_secret']).default('oa_secret_key'),
    ZALO_ACCESS_TOKEN: z.string().min(1).optional(),
    ZALO_REFRESH_TOKEN: z.string().min(1).optional(),
    ZALO_HTTP_TIMEOUT_MS: positiveInt.default(10_000),
    // Refresh when less than this much access-token lifetime is left (tokens live ~25 h).
    ZALO_TOKEN_REFRESH_MARGIN_SECONDS: positiveInt.default(12 * 3600),
    // Zalo allows about 4,000 requests a minute per app; stay well below.
    ZALO_RATE_LIMIT_PER_MINUTE: positiveInt.max(4000).default(3000),

    // Zalo retries for about two hours after the first delivery, so the window must be wider.
    WEBHOOK_MAX_AGE_SECONDS: positiveInt.min(7200, 'must admit Zalo retries (at least 7200)').default(3 * 3600),
    WEBHOOK_MAX_FUTURE_SKEW_SECONDS: positiveInt.default(300),

    INBOUND_CONCURRENCY: positiveInt.default(8),
    OUTBOUND_CONCURRENCY: positiveInt.default(8),
    OUTBOUND_MAX_ATTEMPTS: positiveInt.default(8),
    OUTBOUND_BACKOFF_MS: positiveInt.default(2000),
    // An interrupted send: wait this long before asking Zalo's history whether it arrived,
    // and give up (failed as in doubt, never sent twice) when the history stays unreadable.
    OUTBOUND_IN_DOUBT_SETTLE_MS: positiveInt.default(15_000),
    OUTBOUND_IN_DOUBT_LIMIT_MS: positiveInt.default(10 * 60_000),
    // How long a worker may hold a job without renewing its lock before another takes it over.
    QUEUE_LOCK_MS: positiveInt.default(30_000),
    SWEEP_INTERVAL_MS: positiveInt.default(15_000),
    SWEEP_MIN_AGE_MS: positiveInt.default(10_000),
    SHUTDOWN_TIMEOUT_MS: positiveInt.default(25_000),

    // A conversation untouched this long is resumed with "continue or start again?".
    SESSION_RESUME_PROMPT_AFTER_HOURS: positiveInt.default(12),
    // How long an official's one-time Zalo link code stays valid.
    OFFICIAL_INVITATION_TTL_HOURS: positiveInt.default(7 * 24),

    // Signs links to packets and documents; required in production (32+ characters).
    LINK_SIGNING_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
    PACKET_LINK_TTL_HOURS: positiveInt.default(7 * 24),
    // The council's scoring sheets (one YAML file per sheet, each citing its source). A sheet
    // marked `sample` is refused in production.
    SCORING_SHEETS_DIR: z.string().min(1).default('rules/scoring-sheets'),

    // Where scans are kept: a directory here, or S3-compatible storage for several machines.
    STORAGE_KIND: z.enum(['local', 's3']).default('local'),
    STORAGE_LOCAL_DIR: z.string().min(1).default('data/documents'),
    S3_ENDPOINT: url.optional(),
    S3_REGION: z.string().min(1).default('us-east-1'),
    S3_BUCKET: z.string().min(1).optional(),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    DOCUMENT_MAX_BYTES: positiveInt.default(25 * 1024 * 1024),
    DOCUMENT_DOWNLOAD_TIMEOUT_MS: positiveInt.default(15_000),
    DOCUMENT_DOWNLOAD_DEADLINE_MS: positiveInt.default(120_000),
    DOCUMENT_MAX_REDIRECTS: z.coerce.number().int().min(0).max(10).default(3),
    // Hosts attachments may be fetched from (comma-separated; a domain admits its subdomains).
    DOCUMENT_ALLOWED_HOSTS: z.string().optional(),

    // Approved templates that reach a council person outside Zalo's 7-day messaging window:
    // a template message by Zalo user id, else ZNS by phone. Unset: the secretary is told.
    ZALO_DOSSIER_TEMPLATE_ID: z.string().min(1).optional(),
    ZNS_DOSSIER_TEMPLATE_ID: z.string().min(1).optional(),
    // Files the OA may upload to Zalo in a calendar month (Zalo: about 5,000; set from the
    // OA's package). Administrators are warned at 80 % and 95 %; once it is used up,
    // packets go as signed links only.
    ZALO_MONTHLY_UPLOAD_QUOTA: positiveInt.default(5000),
    // A meeting nobody locked is distributed this long before its delivery deadline.
    DISTRIBUTE_BEFORE_DEADLINE_HOURS: positiveInt.default(24),

    // No notice is sent in these hours (Asia/Ho_Chi_Minh), evening to morning.
    NOTIFY_QUIET_HOURS: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, 'must be written hh:mm-hh:mm')
      .refine((v) => v.slice(6) < v.slice(0, 5), 'must run from an evening hour to a morning hour')
      .default('21:00-07:00'),
    // Approved templates for reminders to people outside Zalo's 7-day messaging window.
    // Unset, or no phone for ZNS: an official is told who could not be reached.
    ZALO_NUDGE_TEMPLATE_ID: z.string().min(1).optional(),
    ZNS_NUDGE_TEMPLATE_ID: z.string().min(1).optional(),
    // How often due reminders are planned from the state of ideas, dossiers and meetings.
    NOTIFY_PLAN_INTERVAL_MINUTES: positiveInt.default(10),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && env.PUBLIC_BASE_URL.startsWith('http://')) {
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_BASE_URL'], message: 'must be https in production' });
    }
    if (env.STORAGE_KIND === 's3') {
      for (const name of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
        if (env[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: 'is required when STORAGE_KIND=s3' });
      }
    }
    if (env.NODE_ENV === 'production' && env.LINK_SIGNING_SECRET === undefined) {
      ctx.addIssue({ code: 'custom', path: ['LINK_SIGNING_SECRET'], message: 'is required in production' });
    }
  });

export type Env = z.infer<typeof configSchema>;

export interface Config {
  env: Env['NODE_ENV'];
  role: Env['ROLE'];
  port: number;
  publicBaseUrl: string;
  logLevel: Env['LOG_LEVEL'];
  databaseUrl: string;
  databasePoolSize: number;
  redisUrl: string;
  queuePrefix: string;
  zalo: {
    oaApiUrl: string;
    oauthUrl: string;
    businessApiUrl: string;
    appId: string;
    appSecret: string;
    webhookSecret: string;
    seedTokens: { accessToken: string; refreshToken: string } | undefined;
    httpTimeoutMs: number;
    tokenRefreshMarginSeconds: number;
    rateLimitPerMinute: number;
    /** the OA's chat for people to open (QR codes on invitations); none when unset */
    oaChatUrl: string | undefined;
  };
  webhook: { maxAgeSeconds: number; maxFutureSkewSeconds: number };
  queues: {
    inboundConcurrency: number;
    outboundConcurrency: number;
    outboundMaxAttempts: number;
    outboundBackoffMs: number;
    inDoubt: { settleMs: number; limitMs: number };
    lockMs: number;
    sweepIntervalMs: number;
    sweepMinAgeMs: number;
  };
  shutdownTimeoutMs: number;
  conversation: { resumePromptAfterHours: number };
  officials: { invitationTtlHours: number };
  links: { secret: string; packetTtlHours: number };
  /** relative to the project root unless absolute */
  scoringSheetsDir: string;
  storage: DocumentStorageConfig;
  documents: { maxBytes: number; timeoutMs: number; deadlineMs: number; maxRedirects: number; allowedHosts: readonly string[] | undefined };
  fallbackTemplates: { templateId: string | undefined; znsTemplateId: string | undefined };
  /** Files the OA may upload to Zalo in a calendar month (Vietnam time). */
  monthlyUploadQuota: number;
  distributeBeforeDeadlineMs: number;
  notify: { quietStart: string; quietEnd: string; templates: { templateId: string | undefined; znsTemplateId: string | undefined }; planIntervalMs: number };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once. A missing or invalid value becomes one line naming it. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  // Treat empty strings as unset, so `FOO=` in an .env file means "use the default".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    const problem = issue?.code === 'invalid_type' && cleaned[name] === undefined ? 'is required' : issue?.message;
    throw new ConfigError(`Invalid configuration: ${name} ${problem}`);
  }
  const env = parsed.data;
  if ((env.ZALO_ACCESS_TOKEN === undefined) !== (env.ZALO_REFRESH_TOKEN === undefined)) {
    throw new ConfigError('Invalid configuration: ZALO_ACCESS_TOKEN and ZALO_REFRESH_TOKEN must be given together');
  }
  return {
    env: env.NODE_ENV,
    role: env.ROLE,
    port: env.PORT,
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/$/, ''),
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.QUEUE_PREFIX,
    zalo: {
      oaApiUrl: env.ZALO_OA_API_URL.replace(/\/$/, ''),
      oauthUrl: env.ZALO_OAUTH_URL.replace(/\/$/, ''),
      businessApiUrl: env.ZALO_BUSINESS_API_URL.replace(/\/$/, ''),
      oaChatUrl: env.ZALO_OA_CHAT_URL,
      appId: env.ZALO_APP_ID,
      appSecret: env.ZALO_APP_SECRET,
      webhookSecret: env.ZALO_WEBHOOK_SECRET === 'app_secret' ? env.ZALO_APP_SECRET : env.ZALO_OA_SECRET_KEY,
      seedTokens:
        env.ZALO_ACCESS_TOKEN && env.ZALO_REFRESH_TOKEN
          ? { accessToken: env.ZALO_ACCESS_TOKEN, refreshToken: env.ZALO_REFRESH_TOKEN }
          : undefined,
      httpTimeoutMs: env.ZALO_HTTP_TIMEOUT_MS,
      tokenRefreshMarginSeconds: env.ZALO_TOKEN_REFRESH_MARGIN_SECONDS,
      rateLimitPerMinute: env.ZALO_RATE_LIMIT_PER_MINUTE,
    },
    webhook: {
      maxAgeSeconds: env.WEBHOOK_MAX_AGE_SECONDS,
      maxFutureSkewSeconds: env.WEBHOOK_MAX_FUTURE_SKEW_SECONDS,
    },
    queues: {
      inboundConcurrency: env.INBOUND_CONCURRENCY,
      outboundConcurrency: env.OUTBOUND_CONCURRENCY,
      outboundMaxAttempts: env.OUTBOUND_MAX_ATTEMPTS,
      outboundBackoffMs: env.OUTBOUND_BACKOFF_MS,
      inDoubt: { settleMs: env.OUTBOUND_IN_DOUBT_SETTLE_MS, limitMs: env.OUTBOUND_IN_DOUBT_LIMIT_MS },
      lockMs: env.QUEUE_LOCK_MS,
      sweepIntervalMs: env.SWEEP_INTERVAL_MS,
      sweepMinAgeMs: env.SWEEP_MIN_AGE_MS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    conversation: { resumePromptAfterHours: env.SESSION_RESUME_PROMPT_AFTER_HOURS },
    officials: { invitationTtlHours: env.OFFICIAL_INVITATION_TTL_HOURS },
    // Outside production a fixed secret keeps links working across restarts of a dev machine.
    links: { secret: env.LINK_SIGNING_SECRET ?? 'development-only-link-secret-not-for-production', packetTtlHours: env.PACKET_LINK_TTL_HOURS },
    scoringSheetsDir: env.SCORING_SHEETS_DIR,
    storage:
      env.STORAGE_KIND === 's3' && env.S3_ENDPOINT && env.S3_BUCKET && env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
        ? { kind: 's3', endpoint: env.S3_ENDPOINT, region: env.S3_REGION, bucket: env.S3_BUCKET, accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
        : { kind: 'local', root: isAbsolute(env.STORAGE_LOCAL_DIR) ? env.STORAGE_LOCAL_DIR : join(projectRoot(), env.STORAGE_LOCAL_DIR) },
    fallbackTemplates: { templateId: env.ZALO_DOSSIER_TEMPLATE_ID, znsTemplateId: env.ZNS_DOSSIER_TEMPLATE_ID },
    monthlyUploadQuota: env.ZALO_MONTHLY_UPLOAD_QUOTA,
    distributeBeforeDeadlineMs: env.DISTRIBUTE_BEFORE_DEADLINE_HOURS * 3600_000,
    notify: {
      quietStart: env.NOTIFY_QUIET_HOURS.slice(0, 5),
      quietEnd: env.NOTIFY_QUIET_HOURS.slice(6),
      templates: { templateId: env.ZALO_NUDGE_TEMPLATE_ID, znsTemplateId: env.ZNS_NUDGE_TEMPLATE_ID },
      planIntervalMs: env.NOTIFY_PLAN_INTERVAL_MINUTES * 60_000,
    },
    documents: {
      maxBytes: env.DOCUMENT_MAX_BYTES,
      timeoutMs: env.DOCUMENT_DOWNLOAD_TIMEOUT_MS,
      deadlineMs: env.DOCUMENT_DOWNLOAD_DEADLINE_MS,
      maxRedirects: env.DOCUMENT_MAX_REDIRECTS,
      // In production only Zalo's file and image hosts, unless the deployment says otherwise.
      allowedHosts:
        env.DOCUMENT_ALLOWED_HOSTS !== undefined
          ? env.DOCUMENT_ALLOWED_HOSTS.split(',').map((h) => h.trim()).filter(Boolean)
          : env.NODE_ENV === 'production'
            ? ['dlfl.vn', 'zdn.vn', 'zadn.vn']
            : undefined,
    },
  };
}

/** Every variable the schema reads: .env.example documents exactly these (a test checks). */
export const configVariableNames: readonly string[] = Object.keys(configSchema.shape);
