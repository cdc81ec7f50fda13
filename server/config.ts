// The environment, parsed once with zod; start-up fails listing every bad variable.
import { z } from 'zod';

const numberFromEnv = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const configSchema = z.object({
  DATABASE_URL: z.string().url('DATABASE_URL must be a postgres:// URL').optional(),
  PORT: numberFromEnv(3000, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  WAYMARK_ROLE: z.enum(['all', 'api', 'worker']).default('all'),
  WAYMARK_DATA_DIR: z.string().default('.waymark'),
  WAYMARK_PG_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  WAYMARK_DB_WAIT_SECONDS: numberFromEnv(120, 0, 3600),
  WAYMARK_WORKER_LOOPS: numberFromEnv(2, 1, 64),
  WAYMARK_STEP_BATCH: numberFromEnv(100, 1, 1000),
  WAYMARK_DB_POOL: numberFromEnv(10, 2, 200),
  WAYMARK_PREPARED_STATEMENTS: z
    .enum(['on', 'off'], { message: 'WAYMARK_PREPARED_STATEMENTS is on or off' })
    .default('on'),
  WAYMARK_WRITE_KEY: z.string().min(8, 'WAYMARK_WRITE_KEY needs at least 8 characters').optional(),
  WAYMARK_INGEST_RATE: numberFromEnv(1000, 1, 1_000_000),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'SMTP_URL is smtp://user:pass@host:port or smtps://…')
    .optional(),
  WAYMARK_FROM: z.string().default('Waymark <no-reply@localhost>'),
  WAYMARK_PUBLIC_URL: z
    .string()
    .url('WAYMARK_PUBLIC_URL is the address customers reach (for unsubscribe and tracking links)')
    .optional(),
  WAYMARK_SECRET: z.string().min(32, 'WAYMARK_SECRET needs at least 32 characters').optional(),
  WAYMARK_ENCRYPTION_KEY: z
    .string()
    .min(32, 'WAYMARK_ENCRYPTION_KEY needs at least 32 characters (e.g. openssl rand -base64 32)')
    .optional(),
  WAYMARK_DELIVERY_CLAIM_SECONDS: numberFromEnv(120, 1, 3600),
  WAYMARK_DELIVERY_PROBE_SECONDS: numberFromEnv(30, 1, 600),
  WAYMARK_DELIVERY_MAX_AGE_HOURS: numberFromEnv(24, 1, 720),
  WAYMARK_DELIVERY_CONCURRENCY: numberFromEnv(16, 1, 64),
  WAYMARK_DELIVERY_BATCH: numberFromEnv(200, 1, 1000),
  WAYMARK_SMTP_POOL_CONNECTIONS: numberFromEnv(5, 1, 64),
  WAYMARK_SMTP_POOL_MESSAGES: numberFromEnv(100, 1, 100_000),
  WAYMARK_PLUGINS: z.string().optional(),
  WAYMARK_ADMIN_EMAIL: z.string().email('WAYMARK_ADMIN_EMAIL is an email address').optional(),
  WAYMARK_ADMIN_PASSWORD: z
    .string()
    .min(10, 'WAYMARK_ADMIN_PASSWORD needs at least 10 characters')
    .optional(),
  WAYMARK_LOG: z.enum(['silent', 'info', 'debug']).default('info'),
  WAYMARK_LOG_FORMAT: z.enum(['auto', 'json', 'text']).default('auto'),
  WAYMARK_ALLOW_PRIVATE_HOSTS: z.string().optional(),
  WAYMARK_TRUST_PROXY: z
    .enum(['on', 'off'], {
      message: 'WAYMARK_TRUST_PROXY is on (behind a reverse proxy that sets X-Forwarded-Proto) or off',
    })
    .default('off'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = configSchema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return parsed.data;
}
