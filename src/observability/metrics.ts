import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Counters for what operators need to see; one registry per process, built at the root. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    webhookRejected: new Counter({
      name: 'ocop_webhook_rejected_total',
      help: 'Webhook requests refused, by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    webhookAccepted: new Counter({
      name: 'ocop_webhook_accepted_total',
      help: 'Webhook events accepted, by outcome (recorded, duplicate, ignored, invalid)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    inboundHandled: new Counter({
      name: 'ocop_inbound_handled_total',
      help: 'Inbound events handled by the worker, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    outboundResult: new Counter({
      name: 'ocop_outbound_result_total',
      help: 'Outbound send attempts, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    zaloTokenRefresh: new Counter({
      name: 'ocop_zalo_token_refresh_total',
      help: 'Zalo token refreshes, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    notificationsUntold: new Counter({
      name: 'ocop_notifications_untold_total',
      help: 'Notices that reached nobody: no Zalo channel to the person and no linked official to tell',
      registers: [registry],
    }),
    zaloUploads: new Counter({
      name: 'ocop_zalo_uploads_total',
      help: 'Files uploaded to Zalo (Zalo caps uploads at about 5,000 a month); reused upload tokens are not counted',
      registers: [registry],
    }),
    zaloUploadQuotaRemaining: new Gauge({
      name: 'ocop_zalo_upload_quota_remaining',
      help: 'Uploads left this calendar month (Vietnam time) under ZALO_MONTHLY_UPLOAD_QUOTA, as counted in Postgres at the last upload',
      registers: [registry],
    }),
    jobsFinished: new Counter({
      name: 'ocop_jobs_total',
      help: 'Queue job attempts that ended, by queue and result (completed, retry, gave_up)',
      labelNames: ['queue', 'result'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'ocop_http_request_seconds',
      help: 'HTTP request duration',
      labelNames: ['route', 'status'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
