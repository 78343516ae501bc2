import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../../server/config/config.js';

const NO_DOTENV = '/nonexistent/.env';
const load = (env: Record<string, string>) => loadConfig(env, NO_DOTENV);

describe('config', () => {
  it('runs in demo mode on SQLite with the documented defaults when nothing is set', () => {
    const config = load({});
    expect(config.port).to.equal(3000);
    expect(config.dbUrl).to.equal('sqlite:./data/cti.sqlite');
    expect(config.demoMode).to.equal(true);
    expect(config.ariApp).to.equal('cti');
    expect(config.callbacks.quietHours).to.deep.equal({ startMinute: 21 * 60, endMinute: 9 * 60 });
    expect(config.callbacks.weeklyCap).to.equal(3);
    expect(config.allocation.defaultCapacity).to.equal(650);
    expect(config.timeZone).to.equal('Asia/Shanghai');
    expect(load({ CTI_TIME_ZONE: 'Europe/London' }).timeZone).to.equal('Europe/London');
  });

  it('names the variable when a value is bad', () => {
    expect(() => load({ CTI_PORT: 'abc' })).to.throw(ConfigError, /^Invalid configuration: CTI_PORT must be a whole number, got "abc"\.$/);
    expect(() => load({ CTI_RING_TIMEOUT: 'soon' })).to.throw(ConfigError, /CTI_RING_TIMEOUT/);
    expect(() => load({ CTI_DEFAULT_CHOICE: 'hangup' })).to.throw(ConfigError, /CTI_DEFAULT_CHOICE must be one of wait, callback, next/);
    expect(() => load({ CTI_QUIET_HOURS: '25:00-09:00' })).to.throw(ConfigError, /CTI_QUIET_HOURS/);
    expect(() => load({ CTI_DB_URL: 'mysql://x' })).to.throw(ConfigError, /CTI_DB_URL/);
    expect(() => load({ CTI_TIME_ZONE: 'Beijing' })).to.throw(ConfigError, /CTI_TIME_ZONE must be an IANA time zone such as Asia\/Shanghai, got "Beijing"/);
  });

  it('pairs AMI and ARI URLs by position, one node each, with TLS and credentials', () => {
    const config = load({
      CTI_AMI_URL: 'ami://cti:s3cret@pbx1:5038, amis://cti:p%40ss@pbx2',
      CTI_ARI_URL: 'http://cti:s3cret@pbx1:8088/ari,https://cti:p%40ss@pbx2:8089',
    });
    expect(config.demoMode).to.equal(false);
    expect(config.asteriskNodes).to.have.length(2);
    const [first, second] = config.asteriskNodes;
    expect(first!.ami).to.deep.equal({ host: 'pbx1', port: 5038, username: 'cti', secret: 's3cret', tls: false });
    expect(first!.ari).to.deep.equal({ baseUrl: 'http://pbx1:8088', username: 'cti', password: 's3cret' });
    expect(second!.ami).to.include({ host: 'pbx2', port: 5038, tls: true, secret: 'p@ss' });
    expect(second!.ari.baseUrl).to.equal('https://pbx2:8089');
  });

  it('refuses unpaired node lists and URLs without credentials', () => {
    expect(() => load({ CTI_AMI_URL: 'ami://a:b@h' })).to.throw(ConfigError, /CTI_ARI_URL/);
    expect(() => load({ CTI_AMI_URL: 'ami://h:5038', CTI_ARI_URL: 'http://a:b@h:8088' })).to.throw(ConfigError, /CTI_AMI_URL entries need user, secret and host/);
  });

  it('parses durations in every documented unit', () => {
    const config = load({ CTI_RING_TIMEOUT: '15', CTI_OWNER_MAX_WAIT: '2m', CTI_CALLBACK_OWNER_WINDOW: '1.5h', CTI_KEY_TIMEOUT: '500ms' });
    expect(config.routing.ringTimeoutMs).to.equal(15_000);
    expect(config.routing.ownerMaxWaitMs).to.equal(120_000);
    expect(config.callbacks.ownerWindowMs).to.equal(5_400_000);
    expect(config.routing.keyTimeoutMs).to.equal(500);
  });

  it('lets the real environment override .env', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'cti-env-'));
    writeFileSync(join(dir, '.env'), 'CTI_PORT=4000\nCTI_ARI_APP=fromfile\n');
    const config = loadConfig({ CTI_PORT: '5000' }, join(dir, '.env'));
    expect(config.port).to.equal(5000);
    expect(config.ariApp).to.equal('fromfile');
  });
});
