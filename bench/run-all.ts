/**
 * Every benchmark, one after the other, each in a child process (a crash is reported and the next one runs), its
 * output streamed; then a summary: bench, size, exit status, wall time.
 *
 *   npm run bench                         small sizes, a few minutes in all
 *   npm run bench -- --full               the sizes of the figures in bench/RESULTS.md
 *   npm run bench -- --only=throughput,api-throughput
 *
 * The benches need the dev stack's MariaDB and Temporal (ports from the configuration): when one does not answer,
 * it is started with scripts/mariadb.sh or scripts/temporal.sh (what `npm start` does first), so this works on its
 * own after install.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/settings';

const ROOT = resolve(__dirname, '..', '..');

interface Bench {
  name: string;
  /** Arguments of the small run and of the full run (RESULTS.md's sizes). */
  small: string[];
  full: string[];
}

const BENCHES: readonly Bench[] = [
  { name: 'pool-fault-storm', small: ['60', '20', '8'], full: ['200', '40', '8'] },
  { name: 'ledger-throughput', small: ['100'], full: ['400'] },
  { name: 'api-throughput', small: ['10', '200'], full: ['60', '1000'] },
  { name: 'platform-overhead', small: ['8', '500'], full: ['40', '500'] },
  { name: 'throughput', small: ['10', '2,8', '3', '--profile'], full: ['60', '2,8,32', '10', '--profile'] },
  { name: 'pool-capacity', small: [], full: ['--full'] },
];

interface Outcome {
  bench: string;
  size: string;
  status: string;
  seconds: number;
  ok: boolean;
}

function answers(host: string, port: number, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
  });
}

function run(
  command: string,
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit' });
    child.once('error', (err) => {
      console.error(`could not start ${command}: ${err.message}`);
      done({ code: 127, signal: null });
    });
    child.once('exit', (code, signal) => done({ code, signal }));
  });
}

const say = (text: string) => console.log(`\n\x1b[1m[bench]\x1b[0m ${text}`);

/** MariaDB and Temporal answer, started here when they do not; false if they still do not. */
async function ensureStack(): Promise<boolean> {
  const config = loadConfig();
  const [temporalHost, temporalPort] = [
    config.temporalAddress.slice(0, config.temporalAddress.lastIndexOf(':')),
    Number(config.temporalAddress.slice(config.temporalAddress.lastIndexOf(':') + 1)),
  ];
  const services = [
    { name: 'MariaDB', host: config.mysqlHost, port: config.mysqlPort, script: 'scripts/mariadb.sh' },
    { name: 'Temporal', host: temporalHost, port: temporalPort, script: 'scripts/temporal.sh' },
  ];
  let startedTemporal = false;
  for (const s of services) {
    if (await answers(s.host, s.port)) continue;
    say(`${s.name} does not answer on ${s.host}:${s.port}: bash ${s.script} start`);
    await run('bash', [s.script, 'start']);
    if (s.name === 'Temporal') startedTemporal = true;
  }
  for (const s of services) {
    if (!(await answers(s.host, s.port))) {
      say(`${s.name} still does not answer on ${s.host}:${s.port}; start the dev stack with \`npm start\``);
      return false;
    }
  }
  // A fresh dev server has none of the workflows' search attributes.
  const register = join(ROOT, 'dist', 'scripts', 'register-search-attributes.js');
  if (startedTemporal && existsSync(register)) await run(process.execPath, [register]);
  return true;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = only?.filter((name) => !BENCHES.some((b) => b.name === name)) ?? [];
  if (unknown.length > 0) {
    console.error(`unknown bench ${unknown.join(', ')}; benches: ${BENCHES.map((b) => b.name).join(', ')}`);
    process.exit(2);
  }
  try {
    if (!(await ensureStack())) process.exit(1);
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }

  const outcomes: Outcome[] = [];
  for (const bench of BENCHES.filter((b) => !only || only.includes(b.name))) {
    const script = join(ROOT, 'dist', 'bench', `${bench.name}.js`);
    const benchArgs = full ? bench.full : bench.small;
    const size = benchArgs.length > 0 ? benchArgs.join(' ') : '(defaults)';
    if (!existsSync(script)) {
      say(`${bench.name}: skipped, ${script} does not exist (not written or not built yet)`);
      outcomes.push({ bench: bench.name, size, status: 'skipped: not built', seconds: 0, ok: true });
      continue;
    }
    say(`${bench.name} ${size}`);
    const started = performance.now();
    const { code, signal } = await run(process.execPath, [script, ...benchArgs]);
    const seconds = (performance.now() - started) / 1000;
    const status = signal ? `killed (${signal})` : code === 0 ? 'ok' : `failed (exit ${code})`;
    outcomes.push({ bench: bench.name, size, status, seconds, ok: code === 0 && !signal });
  }

  say(`summary (${full ? 'full' : 'small'} sizes)\n`);
  console.log('| bench | size (argv) | status | wall s |');
  console.log('|---|---|---|---|');
  for (const o of outcomes)
    console.log(
      `| ${o.bench} | ${o.size} | ${o.status} | ${o.status.startsWith('skipped') ? '-' : o.seconds.toFixed(0)} |`,
    );
  const total = outcomes.reduce((sum, o) => sum + o.seconds, 0);
  console.log(`\ntotal ${total.toFixed(0)} s; ${outcomes.filter((o) => !o.ok).length} failed`);
  process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
