import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, configVariableNames, loadConfig } from '../../src/config/config.js';

const minimal = {
  DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/ocop',
  REDIS_URL: 'redis://127.0.0.1:6379',
  ZALO_APP_ID: 'app',
  ZALO_APP_SECRET: 'app-secret',
  ZALO_OA_SECRET_KEY: 'oa-secret',
};

describe('configuration', () => {
  it('fills the documented defaults', () => {
    const config = loadConfig(minimal);
    expect(config.zalo.oaApiUrl).toBe('https://openapi.zalo.me');
    expect(config.zalo.oauthUrl).toBe('https://oauth.zaloapp.com');
    expect(config.zalo.businessApiUrl).toBe('https://business.openapi.zalo.me');
    expect(config.role).toBe('all');
    expect(config.zalo.webhookSecret).toBe('oa-secret');
    expect(config.webhook.maxAgeSeconds).toBeGreaterThanOrEqual(7200);
  });

  it.each(Object.keys(minimal))('stops with one line naming %s when it is missing', (name) => {
    const env: Record<string, string> = { ...minimal };
    delete env[name];
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(new RegExp(`^Invalid configuration: ${name} is required$`));
  });

  it('names an invalid value', () => {
    expect(() => loadConfig({ ...minimal, ROLE: 'both' })).toThrow(/ROLE/);
    expect(() => loadConfig({ ...minimal, ZALO_OA_API_URL: 'not a url' })).toThrow(/ZALO_OA_API_URL/);
    expect(() => loadConfig({ ...minimal, ZALO_RATE_LIMIT_PER_MINUTE: '5000' })).toThrow(/ZALO_RATE_LIMIT_PER_MINUTE/);
  });

  it('refuses a replay window that would reject Zalo retries', () => {
    expect(() => loadConfig({ ...minimal, WEBHOOK_MAX_AGE_SECONDS: '600' })).toThrow(/WEBHOOK_MAX_AGE_SECONDS/);
  });

  it('signs webhooks with the app secret when so configured', () => {
    expect(loadConfig({ ...minimal, ZALO_WEBHOOK_SECRET: 'app_secret' }).zalo.webhookSecret).toBe('app-secret');
  });

  it('wants both seed tokens or neither', () => {
    expect(() => loadConfig({ ...minimal, ZALO_ACCESS_TOKEN: 'a' })).toThrow(/ZALO_REFRESH_TOKEN/);
    expect(loadConfig({ ...minimal, ZALO_ACCESS_TOKEN: 'a', ZALO_REFRESH_TOKEN: 'r' }).zalo.seedTokens).toEqual({ accessToken: 'a', refreshToken: 'r' });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ ...minimal, PORT: '' }).port).toBe(3000);
  });

  it('requires a link-signing secret in production, and a long one anywhere', () => {
    expect(() => loadConfig({ ...minimal, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://ocop.example.vn' })).toThrow('Invalid configuration: LINK_SIGNING_SECRET is required in production');
    expect(() => loadConfig({ ...minimal, LINK_SIGNING_SECRET: 'short' })).toThrow('LINK_SIGNING_SECRET must be at least 32 characters');
    expect(loadConfig(minimal).links.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('requires https for the public URL in production', () => {
    expect(() => loadConfig({ ...minimal, NODE_ENV: 'production' })).toThrow(/PUBLIC_BASE_URL/);
    const secret = 'a-production-secret-of-at-least-32-chars';
    expect(loadConfig({ ...minimal, NODE_ENV: 'production', PUBLIC_BASE_URL: 'https://ocop.example.vn', LINK_SIGNING_SECRET: secret }).publicBaseUrl).toBe('https://ocop.example.vn');
  });
});

describe('.env.example', () => {
  it('documents exactly the variables the configuration reads, each with a comment', () => {
    const lines = readFileSync(join(import.meta.dirname, '../../.env.example'), 'utf8').split('\n');
    const documented = lines.flatMap((line, i) => {
      const name = /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1];
      if (!name) return [];
      // The nearest non-variable line above must be a comment.
      let j = i - 1;
      while (j >= 0 && /^[A-Z][A-Z0-9_]*=/.test(lines[j]!)) j -= 1;
      expect(lines[j]?.startsWith('#'), `${name} has a comment`).toBe(true);
      return [name];
    });
    expect([...documented].sort()).toEqual([...configVariableNames].sort());
  });
});
