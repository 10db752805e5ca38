import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Drain } from '../../../api/http/drain';
import { gracefulShutdown } from '../../../api/http/graceful-shutdown';
import { InFlightClaims } from '../../../api/idempotency/in-flight-claims';
import { until } from '../../support/until';

/** The stop sequence over a plain HTTP server whose one slow route the test answers when it chooses. */
describe('gracefulShutdown', () => {
  let server: Server;
  let url: string;
  let answerSlow: () => void;
  let slowArrived: Promise<void>;
  const quiet = { info: () => undefined, warn: () => undefined };

  beforeEach(async () => {
    let arrived!: () => void;
    slowArrived = new Promise((resolve) => (arrived = resolve));
    server = createServer((req, res) => {
      if (req.url !== '/slow') return void res.end('fast');
      arrived();
      answerSlow = () => res.end('slow');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  it('drains at once, stops accepting after the delay, lets the open request finish, then closes and exits 0', async () => {
    const drain = new Drain();
    const events: string[] = [];
    let exitCode: number | undefined;
    const shutdown = gracefulShutdown({
      server,
      drain,
      inFlightClaims: new InFlightClaims(),
      drainDelayMs: 50,
      timeoutMs: 60_000,
      logger: quiet,
      closeResources: async () => void events.push('resources closed'),
      exit: (code) => void (exitCode = code),
    });
    const slow = fetch(`${url}/slow`).then((res) => res.text());
    await slowArrived;

    shutdown('SIGTERM');
    expect(drain.draining).toBe(true);
    expect(drain.signal.aborted).toBe(true);
    expect(await (await fetch(`${url}/fast`)).text()).toBe('fast');

    await until(() => !server.listening, 'the server to stop accepting');
    await expect(fetch(`${url}/fast`)).rejects.toThrow();
    expect(events).toEqual([]);

    answerSlow();
    expect(await slow).toBe('slow');
    await until(() => exitCode !== undefined, 'the exit');
    expect(exitCode).toBe(0);
    expect(events).toEqual(['resources closed']);
  });

  it('at the timeout cuts the open requests, lets their Idempotency-Key claims go, then closes and exits 0', async () => {
    const claims = new InFlightClaims();
    const events: string[] = [];
    let exitCode: number | undefined;
    claims.track(async () => void events.push('claim released'));
    const settled = claims.track(async () => void events.push('settled claim released'));
    settled();
    const shutdown = gracefulShutdown({
      server,
      drain: new Drain(),
      inFlightClaims: claims,
      drainDelayMs: 10,
      timeoutMs: 200,
      logger: quiet,
      closeResources: async () => void events.push('resources closed'),
      exit: (code) => void (exitCode = code),
    });
    const slow = fetch(`${url}/slow`).then(
      (res) => res.text(),
      () => 'cut',
    );
    await slowArrived;

    shutdown('SIGTERM');
    expect(await slow).toBe('cut');
    await until(() => exitCode !== undefined, 'the exit');
    expect(exitCode).toBe(0);
    expect(events).toEqual(['claim released', 'resources closed']);
    expect(claims.size).toBe(0);
  });

  it('cuts at once on a second signal', async () => {
    const events: string[] = [];
    let exitCode: number | undefined;
    const claims = new InFlightClaims();
    claims.track(async () => void events.push('claim released'));
    const shutdown = gracefulShutdown({
      server,
      drain: new Drain(),
      inFlightClaims: claims,
      drainDelayMs: 60_000,
      timeoutMs: 120_000,
      logger: quiet,
      closeResources: async () => void events.push('resources closed'),
      exit: (code) => void (exitCode = code),
    });
    shutdown('SIGTERM');
    shutdown('SIGINT');
    await until(() => exitCode !== undefined, 'the exit');
    expect(exitCode).toBe(0);
    expect(events).toEqual(['claim released', 'resources closed']);
  });

  it('refuses a drain delay that is not shorter than the timeout', () => {
    const options = {
      server,
      drain: new Drain(),
      inFlightClaims: new InFlightClaims(),
      logger: quiet,
      closeResources: async () => undefined,
      exit: () => undefined,
    };
    expect(() => gracefulShutdown({ ...options, drainDelayMs: 5000, timeoutMs: 5000 })).toThrow(RangeError);
  });
});
