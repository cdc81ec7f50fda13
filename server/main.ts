// `npm start`: parse the environment, start Waymark, stop cleanly on SIGINT/SIGTERM.
import { ConfigError, parseConfig } from './config';
import { startApplication, type RunningApplication } from './application';
import { createLogger } from './logger';

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
  const logger = createLogger(config.WAYMARK_LOG, config.WAYMARK_LOG_FORMAT);
  // The signal handlers come first: a SIGTERM while starting (docker stop, a supervisor giving up)
  // stops the application once it is up, cleanly, instead of killing it half-started.
  const running: { app?: RunningApplication } = {};
  let requested: string | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    const { app } = running;
    if (!app) {
      requested = signal;
      return;
    }
    if (stopping) return;
    stopping = true;
    logger.info(`[waymark] ${signal}: stopping…`);
    await app.stop();
    logger.info('[waymark] stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  const app = (running.app = await startApplication({ config, log: logger.info, logError: logger.error }));
  // Said even when silent: it is how a supervisor knows the process is up.
  const ready = `[waymark] ${config.WAYMARK_ROLE === 'worker' ? 'worker running' : `ready at ${app.url}`} (role: ${config.WAYMARK_ROLE})`;
  if (config.WAYMARK_LOG === 'silent') console.log(ready);
  else logger.info(ready);
  if (requested) await shutdown(requested);
}

main().catch((error) => {
  // A plugin or configuration problem is said plainly, without a stack.
  console.error('[waymark] failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
