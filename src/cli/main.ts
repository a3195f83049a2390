import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_DB_PATH } from '../config.ts';
import { IngestError } from '../ingest/ingest-error.ts';
import { profileNames } from '../ingest/profiles/profile-registry.ts';

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const dbOption = (): Option =>
  new Option('--db <path>', 'DuckDB file (or :memory:)').env('TELLTALE_DB').default(DEFAULT_DB_PATH);

/** --store / TELLTALE_STORE: a ClickHouse cluster (clickhouse://host:port[,host:port…]/db) instead of the --db DuckDB file. */
const storeOption = (): Option =>
  new Option('--store <url>', 'clickhouse://host:port[,host:port…]/database (every shard, the first holding the Distributed tables); default: the --db DuckDB file').env('TELLTALE_STORE');

/** The ClickHouse location when --store names one; a --store that is a plain path is the DuckDB file, as --db. */
async function clickhouseStore(opts: { store?: string; db?: string }): Promise<import('../store/contract/store-url.ts').StoreLocation | undefined> {
  if (!opts.store) return undefined;
  const location = (await import('../store/contract/store-url.ts')).parseStoreUrl(opts.store);
  if (location.kind === 'duckdb') {
    opts.db = location.path;
    return undefined;
  }
  return location;
}

const program = new Command()
  .name('telltale')
  .description('Vehicle telemetry: store, segment, detect, replay, chart')
  .showHelpAfterError();

program
  .command('ingest')
  .description('Ingest telemetry files (each file is one batch, stored whole or not at all)')
  .argument('<files...>', 'CSV, NDJSON, Arrow IPC or Parquet files')
  .addOption(dbOption())
  .option('--device <id>', 'device id for rows without a device_id column')
  .addOption(new Option('--format <format>', 'input format (default: from the extension)').choices(['csv', 'ndjson', 'arrow', 'parquet']))
  .option('--profile <name>', `import profile (${profileNames().join(', ')})`)
  .option('--tz <zone>', 'zone of timestamps without one: IANA name (Europe/Paris) or offset (+01:00)')
  .option('--delimiter <char>', "CSV field separator (default ','; 'tab' for tabs)")
  .option('--encoding <name>', 'text encoding: utf8 (default) or latin1')
  .option('--start <time>', 'the ts column counts from this instant (ISO 8601 with a zone): seconds unless --map ts=COL:ms|us')
  .option('--map <column=source[:unit]>', 'take a schema column from a source column, e.g. speed_kph=Speed:mph, or a product: power_kw=U_batt*I_batt:w (repeatable)', collect, [])
  .option('--json', 'print the summary as one JSON object')
  .addOption(storeOption())
  .option('--alert-rules <file>', 'alert rules (JSON) to raise incidents and webhooks with, on a --store clickhouse:// store')
  // Commands load their own modules: `ingest` should not pay for starting an HTTP stack.
  .action(async (files: string[], opts) => {
    const ch = await clickhouseStore(opts);
    if (ch) return (await import('./store-commands.ts')).runStoreIngest(ch, files, opts);
    return (await import('./ingest-command.ts')).runIngestCommand(files, opts);
  });

program
  .command('serve')
  .description('Run the HTTP API')
  .addOption(dbOption())
  .addOption(new Option('--port <n>', 'port (0 = any free port)').env('PORT').argParser(Number))
  .addOption(new Option('--host <host>', 'interface to listen on').env('TELLTALE_HOST'))
  .option('--demo', 'load the bundled fixtures before listening')
  .addOption(new Option('--alert-rules <file>', 'alert rules and delivery settings (JSON), stored at start').env('TELLTALE_ALERT_RULES'))
  .addOption(new Option('--admin-key-file <file>', 'write the start-up admin key to this file (mode 600) instead of printing it').env('TELLTALE_ADMIN_KEY_FILE'))
  .addOption(storeOption())
  .action(async (opts: { db: string; store?: string; port?: number; host?: string; demo?: boolean; alertRules?: string; adminKeyFile?: string }) => {
    const ch = await clickhouseStore(opts);
    if (ch?.kind === 'clickhouse') {
      if (opts.demo) (await import('./store-commands.ts')).notOnThisStore('serve --demo');
      return (await import('./cluster-serve-command.ts')).runClusterServeCommand(ch, { port: opts.port, host: opts.host, alertRules: opts.alertRules, adminKeyFile: opts.adminKeyFile });
    }
    return (await import('./serve-command.ts')).runServeCommand({ dbPath: opts.db, port: opts.port, host: opts.host, demo: opts.demo, alertRules: opts.alertRules, adminKeyFile: opts.adminKeyFile });
  });

const alertRules = program.command('alert-rules').description('Alert rules in the store (the service reads them on every scan)');
alertRules
  .command('list')
  .description('Print the rules as JSON (secrets masked)')
  .addOption(dbOption())
  .action(async (opts: { db: string }) => (await import('./alert-rules-command.ts')).runAlertRulesList(opts));
alertRules
  .command('add')
  .description('Add or replace rules from a JSON file: one rule, an array of rules, or a rules file ({ "rules": [...] })')
  .argument('<file>', 'JSON file')
  .addOption(dbOption())
  .option('--apply-to-existing', 'also apply the rules to the events already stored (off by default: a rule acts on events that change after it is added)')
  .action(async (file: string, opts: { db: string; applyToExisting?: boolean }) => (await import('./alert-rules-command.ts')).runAlertRulesAdd(file, opts));
alertRules
  .command('remove')
  .description('Remove a rule (its incidents and queued notices stay)')
  .argument('<ruleId>', 'rule id')
  .addOption(dbOption())
  .action(async (ruleId: string, opts: { db: string }) => (await import('./alert-rules-command.ts')).runAlertRulesRemove(ruleId, opts));

const keys = program.command('keys').description('API keys: every HTTP route and the replay WebSocket need one (Authorization: Bearer <key>)');
keys
  .command('create')
  .description('Create a key and print its token (shown only once; only its SHA-256 is stored)')
  .addOption(new Option('--role <role>', 'what the key may do').choices(['ingest', 'support', 'analyst', 'admin']).makeOptionMandatory())
  .option('--fleet <fleet>', 'limit the key to a fleet (repeatable; default every fleet)', collect, [])
  .option('--expires <time>', 'expiry (ISO 8601 or epoch ms)')
  .option('--label <text>', 'a note on what the key is for')
  .option('--json', 'print {token, key} as one JSON object')
  .addOption(dbOption())
  .action(async (opts) => (await import('./keys-command.ts')).runKeysCreate(opts));
keys
  .command('list')
  .description('List keys (ids, roles, fleets, expiry; never secrets)')
  .addOption(dbOption())
  .action(async (opts: { db: string }) => (await import('./keys-command.ts')).runKeysList(opts));
keys
  .command('revoke')
  .description('Revoke a key at once')
  .argument('<keyId>', 'key id (the 16 hex digits after tt_)')
  .addOption(dbOption())
  .action(async (keyId: string, opts: { db: string }) => (await import('./keys-command.ts')).runKeysRevoke(keyId, opts));

program
  .command('audit')
  .description('Print the audit trail, newest first, one JSON object a line: reads, replays, exports, charts and changes')
  .option('--device <id>', 'only this device')
  .option('--key <keyId>', 'only this key')
  .option('--from <time>', 'inclusive start (ISO 8601 or epoch ms)')
  .option('--to <time>', 'exclusive end')
  .option('--limit <n>', 'at most n lines', Number, 1000)
  .addOption(dbOption())
  .action(async (opts) => (await import('./keys-command.ts')).runAuditList(opts));

program
  .command('purge')
  .description("Remove a device's data everywhere (telemetry, sessions, events, annotations, incidents, queued notices), audited")
  .requiredOption('--device <id>', 'device id')
  .option('--before <time>', 'only what lies before this time (ISO 8601 or epoch ms); default everything, the device included')
  .option('--json', 'print the counts as one JSON object')
  .addOption(dbOption())
  .action(async (opts) => (await import('./keys-command.ts')).runPurge(opts));

program
  .command('export')
  .description("Write a device's telemetry to Parquet, CSV or Arrow")
  .addOption(dbOption())
  .requiredOption('--device <id>', 'device id')
  .option('--from <time>', 'inclusive start (ISO 8601 or epoch ms)')
  .option('--to <time>', 'exclusive end (ISO 8601 or epoch ms)')
  .requiredOption('--out <file>', 'output file: .parquet, .csv or .arrow')
  .addOption(storeOption())
  .action(async (opts) => {
    const ch = await clickhouseStore(opts);
    if (ch) return (await import('./store-commands.ts')).runStoreExport(ch, opts);
    return (await import('./export-command.ts')).runExportCommand(opts);
  });

program
  .command('compact')
  .description('Rewrite telemetry clustered by device and time (after many small interleaved uploads)')
  .addOption(dbOption())
  .action(async (opts: { db: string }) => (await import('./compact-command.ts')).runCompactCommand(opts));

const wholeNumber = (name: string) => (value: string): number => {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`${name} must be a whole number, got '${value}'`);
  return n;
};

program
  .command('simulate')
  .description('Write a labelled synthetic fleet: one DEVICE.csv.gz per device for `ingest`, plus labels.json, legs.json, chargers.csv, devices.json')
  .requiredOption('--seed <n>', 'random seed (same seed, same fleet)', wholeNumber('--seed'))
  .requiredOption('--devices <n>', 'number of devices', wholeNumber('--devices'))
  .requiredOption('--days <n>', 'days to simulate from 2025-01-06', wholeNumber('--days'))
  .requiredOption('--out <dir>', 'output directory (created if missing)')
  .option('--config <name>', 'simulator configuration: train (default), holdout-mixed, holdout-cold, holdout-unseen')
  .option('--json', 'print the summary as one JSON object')
  .action(async (opts: { seed: number; devices: number; days: number; out: string; json?: boolean; config?: string }) => {
    await (await import('./simulate-command.ts')).runSimulateCommand(opts);
  });

program
  .command('plot')
  .description("Chart a device's range or session: speed, charge and range, temperatures, with periods, events, places and call-outs")
  .addOption(dbOption())
  .requiredOption('--device <id>', 'device id')
  .option('--from <time>', 'inclusive start (ISO 8601 or epoch ms)')
  .option('--to <time>', 'exclusive end (ISO 8601 or epoch ms)')
  .option('--session <id>', 'a session id (replaces --from/--to)')
  .addOption(new Option('--x <axis>', 'x-axis: time shows stops, distance squeezes them').choices(['time', 'distance']).default('time'))
  .addOption(new Option('--units <system>', 'display units').choices(['metric', 'imperial']).default('metric'))
  .option('--width <px>', 'width in pixels', Number, 900)
  .option('--height <px>', 'height in pixels', Number, 600)
  .option('--scale <n>', 'PNG pixels per chart pixel', Number, 1)
  .option('--power', 'add the battery power panel')
  .option('--public', 'fair to publish: no GPS, time from t = 0, no device id')
  .requiredOption('--out <file>', 'output file: .svg, .png or .vl.json')
  .addOption(storeOption())
  .action(async (opts) => {
    const ch = await clickhouseStore(opts);
    if (ch) return (await import('./store-commands.ts')).runStorePlot(ch, opts);
    return (await import('./plot-command.ts')).runPlotCommand(opts);
  });

program
  .command('detect')
  .description('Run the detectors over stored telemetry and store the events (idempotent)')
  .addOption(dbOption())
  .option('--device <id>', 'device id')
  .option('--all', 'every device in the store')
  .option('--from <time>', 'inclusive start (ISO 8601 or epoch ms; default: the whole history)')
  .option('--to <time>', 'exclusive end (ISO 8601 or epoch ms)')
  .option('--json', 'print one JSON object with the events and counts')
  .action(async (opts) => (await import('./detect-command.ts')).runDetectCommand(opts));

const chargers = program.command('chargers').description('Charger locations used by the detectors');
chargers
  .command('import')
  .description('Upsert chargers from a CSV file (charger_id,name,lat,lon,power_kw; id, latitude, longitude accepted)')
  .argument('<file>', 'CSV file')
  .addOption(dbOption())
  .option('--map <column=source>', 'take a charger column from another column of the file, e.g. charger_id=station_ref (repeatable)', collect, [])
  .option('--json', 'print the result as one JSON object')
  .action(async (file: string, opts) => (await import('./chargers-import-command.ts')).runChargersImportCommand(file, opts));

const annotate = program.command('annotate').description('Notes on a device\'s timeline; a note may carry a claim the service checks against the log');
annotate
  .command('add')
  .description('Add an annotation at a time (or over a range) and print it with its claim verdict')
  .requiredOption('--device <id>', 'device id')
  .requiredOption('--at <time>', 'the moment or the range start (ISO 8601 or epoch ms)')
  .option('--to <time>', 'the range end')
  .requiredOption('--text <text>', 'what the note says')
  .option('--author <name>', 'who says it')
  .option('--tag <tag>', 'a tag (repeatable)', collect, [])
  .option('--id <id>', 'annotation id (default: a random UUID)')
  .option('--claim <json>', 'a checkable claim, e.g. \'{"kind":"bound","channel":"speed","op":"<=","value":54,"unit":"mph","fromMs":…,"toMs":…,"share":0.9}\'')
  .addOption(dbOption())
  .option('--json', 'print the annotation as one JSON object')
  .action(async (opts) => (await import('./annotate-command.ts')).runAnnotateAdd(opts));
annotate
  .command('list')
  .description("List a device's annotations, each claim with its verdict (supported, contradicted, not enough data)")
  .requiredOption('--device <id>', 'device id')
  .option('--from <time>', 'annotations ending at or after it')
  .option('--to <time>', 'annotations starting before it')
  .addOption(dbOption())
  .option('--json', 'print one JSON array')
  .action(async (opts) => (await import('./annotate-command.ts')).runAnnotateList(opts));
annotate
  .command('import')
  .description('Add or replace annotations from a JSON array of POST bodies (e.g. fixtures/model-s-2013/annotations.json)')
  .argument('<file>', 'JSON file')
  .requiredOption('--device <id>', 'device id')
  .addOption(dbOption())
  .option('--json', 'print the result as one JSON object')
  .action(async (file: string, opts) => (await import('./annotate-command.ts')).runAnnotateImport(file, opts));

program
  .command('cohort')
  .description('Rates of moments of truth per group of vehicles, with exact intervals (as POST /v1/cohorts/query)')
  .addOption(dbOption())
  .option('--query <file>', 'the query as JSON (flags override it)')
  .option('--group-by <dims>', 'comma-separated: model, firmware, fleet, region, tempBand, daylight, roadClass, inCohort')
  .option('--fleet <name>', 'only this fleet (repeatable)', collect, [])
  .option('--model <name>', 'only this model (repeatable)', collect, [])
  .option('--firmware <version>', 'only this firmware (repeatable)', collect, [])
  .option('--region <name>', 'only this region (repeatable)', collect, [])
  .option('--device <id>', 'only this device (repeatable)', collect, [])
  .option('--experienced <kind[:k=v,…]>', 'vehicles that had it, e.g. breakdown:road=highway,days=90 or charge_shortfall:below=0 (repeatable: all must hold)', collect, [])
  .option('--split', 'keep all vehicles; tell the cohort from the rest by inCohort')
  .option('--kinds <kinds>', 'moments counted (default breakdown,charge_shortfall)')
  .option('--from <time>', 'window start (default 90 days before --to)')
  .option('--to <time>', 'window end (default now)')
  .option('--min-hours <h>', 'flag groups under this many driving hours (default 100)')
  .option('--confidence <p>', 'interval confidence (default 0.95)')
  .addOption(new Option('--format <format>', 'default: a table, or from --out').choices(['table', 'json', 'arrow', 'arrows', 'parquet', 'ndjson', 'svg', 'png', 'vl.json']))
  .addOption(new Option('--per <unit>', 'chart rates per 1,000 hours or 10,000 km').choices(['hours', 'km']))
  .option('--out <file>', 'write to a file (format from the extension)')
  .action(async (opts) => (await import('./cohort-command.ts')).runCohortCommand(opts));

const feedback = program.command('feedback').description('Customer feedback beside the logs: NPS, CSAT, tickets, reviews');
feedback
  .command('import')
  .description('Import CSV or NDJSON feedback (id, device_id, ts, kind, score, channel, text); bad rows are quarantined with row and field')
  .argument('<files...>', 'CSV or NDJSON files')
  .addOption(dbOption())
  .addOption(new Option('--format <format>', 'default: from the extension').choices(['csv', 'ndjson']))
  .option('--device <id>', 'device of rows without a device_id')
  .addOption(new Option('--kind <kind>', 'kind of rows without one').choices(['nps', 'csat', 'ticket', 'review']))
  .option('--delimiter <char>', 'CSV field separator (default ,)')
  .option('--json', 'print the summaries as one JSON object')
  .action(async (files: string[], opts) => (await import('./feedback-command.ts')).runFeedbackImport(files, opts));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Users get the reason, not a stack trace; TELLTALE_DEBUG=1 shows the stack.
  const e = err as Error;
  const code = err instanceof IngestError ? ` ${err.code}` : '';
  process.stderr.write(`telltale: error${code}: ${e.message}\n`);
  if (process.env.TELLTALE_DEBUG) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}
