// `npm start`: parse the environment, start Waymark, stop cleanly on SIGINT/SIGTERM.
import { ConfigError, parseConfig } from './config';
import { startApplication } from './application';

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`[waymark] ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const app = await startApplication({ config, log: config.WAYMARK_LOG === 'silent' ? () => {} : console.log });
  console.log(`[waymark] ${config.WAYMARK_ROLE === 'worker' ? 'worker running' : `ready at ${app.url}`} (role: ${config.WAYMARK_ROLE})`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[waymark] ${signal}: stopping…`);
    await app.stop();
    console.log('[waymark] stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  // A plugin or configuration problem is said plainly, without a stack.
  console.error('[waymark] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
