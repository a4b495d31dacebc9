import { expect } from 'chai';
import { loadConfig } from '../../../src/config.js';
import { ConfigError } from '../../../src/errors.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.errors;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('loadConfig: the HTTP platform', () => {
  describe('rate limits', () => {
    it('default high enough for one client at full speed: 50,000 a second per IP and per client, 600 a minute on credential endpoints', () => {
      expect(loadConfig({}).rateLimits).to.deep.equal({ windowSeconds: 1, perIp: 50_000, perClient: 50_000, authWindowSeconds: 60, authPerIp: 600 });
    });

    it('read RATE_LIMIT_* (0 turns a limit off)', () => {
      const limits = loadConfig({ RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_CLIENT: '100', RATE_LIMIT_WINDOW_SECONDS: '10', RATE_LIMIT_AUTH_PER_IP: '5', RATE_LIMIT_AUTH_WINDOW_SECONDS: '300' }).rateLimits;
      expect(limits).to.deep.equal({ windowSeconds: 10, perIp: 0, perClient: 100, authWindowSeconds: 300, authPerIp: 5 });
    });

    it('refuse a malformed limit, naming the variable', () => {
      expect(problemsOf({ RATE_LIMIT_PER_IP: '-1', RATE_LIMIT_AUTH_WINDOW_SECONDS: 'soon' })).to.deep.include.members([
        { pointer: 'RATE_LIMIT_PER_IP', message: 'must be an integer from 0 to 10000000, got "-1"' },
        { pointer: 'RATE_LIMIT_AUTH_WINDOW_SECONDS', message: 'must be an integer from 1 to 86400, got "soon"' },
      ]);
    });
  });

  describe('CRM_CORS_ORIGINS', () => {
    it('reads a comma-separated list of exact origins', () => {
      expect(loadConfig({ CRM_CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).corsOrigins).to.deep.equal(['https://app.example.com', 'http://localhost:5173']);
    });

    it('refuses *, paths and anything that is not an origin', () => {
      const problems = problemsOf({ CRM_CORS_ORIGINS: '*,https://app.example.com/,https://app.example.com/path,app.example.com' });
      expect(problems.map((p) => p.pointer)).to.deep.equal(Array(4).fill('CRM_CORS_ORIGINS'));
    });
  });

  describe('METRICS_TOKEN', () => {
    it('is unset by default (loopback scrapes only) and needs 16 characters when set', () => {
      expect(loadConfig({}).metricsToken).to.equal(undefined);
      expect(loadConfig({ METRICS_TOKEN: 'a-long-enough-token' }).metricsToken).to.equal('a-long-enough-token');
      expect(problemsOf({ METRICS_TOKEN: 'short' })).to.deep.equal([{ pointer: 'METRICS_TOKEN', message: 'must be at least 16 characters' }]);
    });
  });
});
