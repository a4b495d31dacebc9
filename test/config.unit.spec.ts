import { expect } from 'chai';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const refused = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected loadConfig to refuse');
};

describe('configuration', () => {
  it('starts on embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).to.include({ port: 3000, publicUrl: 'http://localhost:3000', logLevel: 'info', nodeEnv: 'development' });
    expect(config.eventStoreUrl).to.equal(undefined);
    expect(config.redisUrl).to.equal(undefined);
    expect(config.dataDir).to.match(/\/data$/);
    expect(config.redisKeyPrefix).to.equal('crm');
  });

  it('reads every variable of the public contract', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({
      PORT: '8080', PUBLIC_URL: 'https://crm.example.com/', DATA_DIR: '/tmp/crm', EVENTSTORE_URL: 'esdb://localhost:2113?tls=false',
      REDIS_URL: 'redis://127.0.0.1:6379', CRM_MASTER_KEY: key, CRM_ADMIN_EMAIL: 'root@example.com',
      CRM_ADMIN_PASSWORD: 'correct horse battery', LOG_LEVEL: 'debug', CRM_CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config).to.include({ port: 8080, publicUrl: 'https://crm.example.com', dataDir: '/tmp/crm', logLevel: 'debug' });
    expect(config.masterKey?.equals(Buffer.alloc(32, 7))).to.equal(true);
    expect(config.admin).to.deep.equal({ email: 'root@example.com', password: 'correct horse battery' });
    expect(config.corsOrigins).to.deep.equal(['https://a.example', 'https://b.example']);
  });

  it('names every bad variable at once', () => {
    const error = refused({ PORT: '70000', LOG_LEVEL: 'loud', REDIS_URL: 'http://x', CRM_MASTER_KEY: 'c2hvcnQ=' });
    expect(error.errors.map((e) => e.pointer)).to.have.members(['PORT', 'LOG_LEVEL', 'REDIS_URL', 'CRM_MASTER_KEY']);
    expect(error.message).to.contain('PORT: must be an integer from 0 to 65535');
  });

  it('refuses an admin email without a password and a short password', () => {
    expect(refused({ CRM_ADMIN_EMAIL: 'a@b.c' }).errors[0]!.pointer).to.equal('CRM_ADMIN_PASSWORD');
    expect(refused({ CRM_ADMIN_EMAIL: 'a@b.c', CRM_ADMIN_PASSWORD: 'short' }).errors[0]!.pointer).to.equal('CRM_ADMIN_PASSWORD');
  });

  it('requires a master key in production', () => {
    expect(refused({ NODE_ENV: 'production' }).errors[0]!.pointer).to.equal('CRM_MASTER_KEY');
  });

  it('reads CRM_WEB_REDIRECT_URIS and refuses non-https ones off loopback', () => {
    const config = loadConfig({ CRM_WEB_REDIRECT_URIS: 'https://app.example/callback, http://127.0.0.1:8080/cb' });
    expect(config.webRedirectUris).to.deep.equal(['https://app.example/callback', 'http://127.0.0.1:8080/cb']);
    const error = refused({ CRM_WEB_REDIRECT_URIS: 'http://app.example/callback,https://app.example/#x' });
    expect(error.errors.map((e) => e.pointer)).to.deep.equal(['CRM_WEB_REDIRECT_URIS', 'CRM_WEB_REDIRECT_URIS']);
  });

  it('reads REDIS_KEY_PREFIX: letters, digits, "-", "_", "." and ":", at most 64', () => {
    expect(loadConfig({ REDIS_KEY_PREFIX: 'crm-staging_2.eu:a' }).redisKeyPrefix).to.equal('crm-staging_2.eu:a');
    expect(loadConfig({ REDIS_KEY_PREFIX: 'x'.repeat(64) }).redisKeyPrefix).to.have.length(64);
    for (const bad of ['crm*', 'crm prod', 'crm[1]', 'ümlaut', 'a{b}', 'x'.repeat(65)]) {
      const error = refused({ REDIS_KEY_PREFIX: bad });
      expect(error.errors.map((e) => e.pointer), bad).to.deep.equal(['REDIS_KEY_PREFIX']);
      expect(error.message).to.contain('REDIS_KEY_PREFIX: must be 1 to 64 letters, digits');
    }
  });
});
