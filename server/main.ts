// Command-line entry: read the configuration, start, and shut down cleanly on a signal.
import { ConfigError, loadConfig } from './config/config.js';
import { startServer } from './app-server.js';
import { DEMO_PASSWORD } from '../db/seeds/demo.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const server = await startServer(config);
  if (config.demoMode) {
    console.log(`Demo mode: no CTI_AMI_URL/CTI_ARI_URL set, so the built-in PBX simulator is running with demo data.`);
    console.log(`CTI server on ${server.url} — sign in as supervisor / ${DEMO_PASSWORD} (demo data)`);
  } else {
    console.log(`CTI server on ${server.url} — sign in with an account of this database (first admin: npm run user -- create)`);
  }

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('CTI server failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
