import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger };

// Secrets and personal data never reach the log, whatever a caller passes in.
const redactPaths = [
  'access_token',
  'refresh_token',
  'accessToken',
  'refreshToken',
  'secret_key',
  'headers.access_token',
  'headers.secret_key',
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  '*.access_token',
  '*.refresh_token',
  '*.accessToken',
  '*.refreshToken',
  '*.secret_key',
  'text',
  '*.text',
  'phone',
  '*.phone',
  // a household head's personal ID (số định danh cá nhân) is personal data
  'personalId',
  '*.personalId',
];

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'ocop-zalo' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
