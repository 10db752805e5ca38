import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { apiRoutes, createApp } from '../../../api/app';
import { SnowflakeGenerator } from '../../../db/ids/snowflake';
import { issueApiKey } from '../../../api/auth/issue-api-key';
import { listen, type RunningServer } from '../../support/koa-test-server';
import { GenerationFixture } from '../../workflows/generation-fixture';

const ROOT = join(__dirname, '..', '..', '..');
/** schemathesis's whole report, each failure with its curl to reproduce it. */
const LOG = join(process.env.JIMENG_FLOW_DATA_DIR ?? join(ROOT, '.data'), 'logs', 'openapi-fuzz.log');

/** The report's failure sections, one line each: operation, then what failed. */
function failuresIn(output: string): string[] {
  const sections = output.split(/\n_{3,} (.+?) _{3,}\n/);
  const failures: string[] = [];
  for (let i = 1; i < sections.length; i += 2) {
    for (const m of sections[i + 1]!.matchAll(/^- (ST\d+ .+)$/gm)) failures.push(`${sections[i]}: ${m[1]}`);
  }
  return failures.length > 0 ? failures : [output.slice(-3000)];
}

/**
 * What schemathesis holds every answer to. A generated request must get a documented status
 * (status_code_conformance), with a body of the documented schema and content type, never a 5xx, and a
 * request the document calls valid must be accepted: positive_data_acceptance allows only the statuses below,
 * each an answer about the state of things, not about the request's shape.
 */
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
  'positive_data_acceptance',
  'unsupported_method',
  'allow_header_conformance',
];

const STATE_STATUSES = {
  '2xx': 'accepted',
  '402': 'the user has too few points (documented on every generation route)',
  '403': "a tenant named that is not the caller key's own",
  '404': "no such task, account or user, or another tenant's (ids are generated at random)",
  '409': 'a storyboard already generating, a key still in progress, a session id already in the pool',
  '412': 'If-Match names a version the account is not at',
};

/** Runs the pinned schemathesis (scripts/schemathesis.sh) without blocking the in-process API it calls. */
function schemathesis(
  cwd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    // In its own folder: schemathesis and hypothesis leave caches where they run.
    const child = spawn('bash', [join(ROOT, 'scripts', 'schemathesis.sh'), 'run', ...args], {
      cwd,
      env: { ...process.env, ...env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/**
 * The whole API as a deployment runs it (Temporal, MariaDB, the worker over the Jimeng simulator and the OSS
 * server), fuzzed from its own /openapi.json with a caller key, and an admin key on the admin routes.
 */
describe('the OpenAPI document, held against the running API by schemathesis', () => {
  const f = new GenerationFixture();
  let server: RunningServer;
  let dir: string;
  let callerKey: string;
  let adminKey: string;
  const run = randomUUID().slice(0, 8);
  const owners = [`fuzz-${run}`, `fuzz-ops-${run}`];

  beforeAll(async () => {
    await f.start();
    const deps = {
      // The fuzz machine has no DNS: every host of a callback or image URL resolves to one public address.
      hostLookup: async () => ['93.184.215.14'],
      sequelize: f.sequelize,
      temporal: f.connection,
      logger: pino({ level: 'silent' }),
      ids: new SnowflakeGenerator({ nodeId: 913 }),
      settings: {
        namespace: f.config.temporalNamespace,
        taskQueue: f.taskQueue,
        // The dev stack's setting: reference images and callbacks on loopback pass (the document says so).
        allowPrivateUrls: true,
        // The fuzz is one client sending thousands of requests: limits are specified elsewhere.
        rateLimitPerMinute: 1_000_000,
        rateLimitPerAddressPerMinute: 1_000_000,
      },
    };
    server = await listen(createApp(deps));
    callerKey = (await issueApiKey(f.sequelize, { owner: owners[0], scope: 'caller' })).key;
    adminKey = (await issueApiKey(f.sequelize, { owner: owners[1], scope: 'admin' })).key;
    dir = await mkdtemp(join(tmpdir(), 'jimeng-fuzz-'));
    const adminOperations = apiRoutes(deps)
      .filter((route) => route.scope === 'admin')
      .map((route) => route.operationId);
    await writeFile(
      join(dir, 'schemathesis.toml'),
      [
        `base-url = "${server.url}"`,
        'seed = 17',
        // One worker: hypothesis describes strategies with ast.parse, which CPython 3.11 cannot run in threads.
        'workers = 1',
        'request-timeout = 30',
        'headers = { Authorization = "Bearer ${JIMENG_FUZZ_CALLER_KEY}" }',
        '[generation]',
        'max-examples = 20',
        // Every run starts afresh: no examples kept from earlier runs decide this one.
        'database = "none"',
        '[checks.positive_data_acceptance]',
        `expected-statuses = [${Object.keys(STATE_STATUSES)
          .map((s) => `"${s}"`)
          .join(', ')}]`,
        ...adminOperations.flatMap((operationId) => [
          '[[operations]]',
          `include-operation-id = "${operationId}"`,
          'headers = { Authorization = "Bearer ${JIMENG_FUZZ_ADMIN_KEY}" }',
        ]),
      ].join('\n'),
    );
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    // Whatever the fuzz started and did not finish (a generation it paid for, an account check) ends here,
    // instead of waiting for ever on a task queue no worker polls any more.
    for await (const run of f.client.workflow.list({
      query: `TaskQueue = "${f.taskQueue}" AND ExecutionStatus = "Running"`,
    }))
      await f.client.workflow.getHandle(run.workflowId, run.runId).terminate('the OpenAPI fuzz is over');
    await f.sequelize.query('DELETE FROM api_keys WHERE owner IN (?, ?)', { replacements: owners });
    await f.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('states the rules the fuzz keeps its cases from breaking (openapi-fuzz-hooks.py)', async () => {
    const document = JSON.stringify(await (await fetch(`${server.url}/openapi.json`)).json());
    for (const statement of [
      'Replays the first response for the same key and request',
      'Idempotency-Key reused with another',
      'the same reference with different fields is refused (422)',
      'ISO 8601, in the future',
      'A repeated (session_id, site_type) inside the batch is a 422',
    ])
      expect({ statement, stated: document.includes(statement) }).toEqual({ statement, stated: true });
  });

  it('answers every generated request as documented, never with a 5xx, and accepts every valid one', async () => {
    const { code, output } = await schemathesis(
      dir,
      [
        '--config-file',
        join(dir, 'schemathesis.toml'),
        'run',
        `${server.url}/openapi.json`,
        '--checks',
        CHECKS.join(','),
      ],
      {
        JIMENG_FUZZ_CALLER_KEY: callerKey,
        JIMENG_FUZZ_ADMIN_KEY: adminKey,
        SCHEMATHESIS_HOOKS: join(__dirname, 'openapi-fuzz-hooks.py'),
      },
    );
    await writeFile(LOG, output);
    expect({ code, failures: code === 0 ? [] : failuresIn(output), log: LOG }).toEqual({
      code: 0,
      failures: [],
      log: LOG,
    });
  }, 300_000);
});
