// `npm run waymark -- <command>`: journeys as files, for automation and version control.
//   journeys import <file> [--publish] [--name "…"]   create a journey from a file (all or nothing)
//   journeys export <id> [--out file]                print (or write) a journey as JSON
//   journeys list                                    id, status and name of every journey
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseConfig } from './config';
import { createDatabase } from './db/database';
import { ensureDatabase, startEmbeddedPostgres } from './db/embedded-postgres';
import { migrateToLatest } from './db/migrate';
import { GraphInvalidError } from './errors';
import { exportJourney, importJourney } from './journeys/journey-files';
import { listJourneys } from './journeys/journey-store';
import { createNodeRegistry } from './plugins/node-registry';
import { ensureDefaultWorkspace } from './workspaces/default-workspace';

const usage = `usage:
  npm run waymark -- journeys import <file> [--publish] [--name "Journey name"]
  npm run waymark -- journeys export <id> [--out file.json]
  npm run waymark -- journeys list`;

function option(args: string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

async function main(args: string[]): Promise<number> {
  const [area, command, target] = args;
  if (
    area !== 'journeys' ||
    !['import', 'export', 'list'].includes(command ?? '') ||
    (command !== 'list' && !target)
  ) {
    console.error(usage);
    return 2;
  }
  const config = parseConfig();
  let stopPostgres = async () => {};
  let url = config.DATABASE_URL;
  if (!url) {
    const postgres = await startEmbeddedPostgres({ dataDir: path.join(config.WAYMARK_DATA_DIR, 'pgdata') });
    stopPostgres = postgres.stop;
    url = await ensureDatabase(postgres.url, 'waymark');
  }
  const { db } = createDatabase(url, 2);
  try {
    await migrateToLatest(db);
    const workspaceId = await ensureDefaultWorkspace(db);
    if (command === 'list') {
      for (const journey of await listJourneys(db, workspaceId))
        console.log(`${journey.id}  ${journey.status.padEnd(8)}  ${journey.name}`);
      return 0;
    }
    if (command === 'export') {
      const file = JSON.stringify(await exportJourney(db, workspaceId, target), null, 2);
      const out = option(args, '--out');
      if (out) writeFileSync(out, `${file}\n`);
      else console.log(file);
      return 0;
    }
    let input: unknown;
    try {
      input = JSON.parse(readFileSync(target, 'utf8'));
    } catch (error) {
      console.error(`cannot read ${target}: ${(error as Error).message}`);
      return 1;
    }
    const journey = await importJourney(db, createNodeRegistry(), workspaceId, input, {
      publish: args.includes('--publish'),
      name: option(args, '--name'),
    });
    console.log(
      `imported "${journey.name}" as ${journey.id} (${journey.status}${journey.liveVersion ? `, version ${journey.liveVersion}` : ''})`,
    );
    return 0;
  } catch (error) {
    if (error instanceof GraphInvalidError) {
      console.error(
        `nothing was imported; the file has ${error.problems.length} ${error.problems.length === 1 ? 'problem' : 'problems'}:`,
      );
      for (const problem of error.problems) console.error(`  - ${problem.message}`);
      return 1;
    }
    console.error((error as Error).message);
    return 1;
  } finally {
    await db.destroy();
    await stopPostgres();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
