import type { Middleware } from 'koa';

/** Seconds; spans a cached GET (ms) to a `Prefer: wait` generation (tens of seconds). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type Labels = Record<string, string>;

/** A gauge as the exposition shows it: name, help and one sample per label set. */
export interface Gauge {
  name: string;
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

const key = (labels: Labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

/**
 * The API's Prometheus metrics, kept in memory and rendered in the text exposition format. Small on purpose:
 * request counts and latency by route template (never the raw path: ids would explode the series), workflows
 * started, and the gauges a scrape is handed (pool availability, read in the background: gauge-refresher.ts).
 */
export class ApiMetrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, { buckets: number[]; sum: number; count: number }>();
  private readonly started = new Map<string, number>();

  middleware(): Middleware {
    return async (ctx, next) => {
      const began = process.hrtime.bigint();
      try {
        await next();
      } finally {
        const seconds = Number(process.hrtime.bigint() - began) / 1e9;
        const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
        this.observe(ctx.method, typeof route === 'string' ? route : 'unmatched', ctx.status, seconds);
      }
    };
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    const requestKey = key({ method, route, status: String(status) });
    this.requests.set(requestKey, (this.requests.get(requestKey) ?? 0) + 1);
    const latencyKey = key({ method, route });
    const h = this.latency.get(latencyKey) ?? { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 };
    BUCKETS.forEach((upper, i) => {
      if (seconds <= upper) h.buckets[i]! += 1;
    });
    h.sum += seconds;
    h.count += 1;
    this.latency.set(latencyKey, h);
  }

  workflowStarted(type: string): void {
    const k = key({ type });
    this.started.set(k, (this.started.get(k) ?? 0) + 1);
  }

  render(gauges: readonly Gauge[] = []): string {
    const lines: string[] = [];
    lines.push('# HELP jimeng_http_requests_total HTTP requests by method, route template and status.');
    lines.push('# TYPE jimeng_http_requests_total counter');
    for (const [labels, n] of this.requests) lines.push(`jimeng_http_requests_total{${labels}} ${n}`);
    lines.push('# HELP jimeng_http_request_duration_seconds Time to answer, by method and route template.');
    lines.push('# TYPE jimeng_http_request_duration_seconds histogram');
    for (const [labels, h] of this.latency) {
      BUCKETS.forEach((upper, i) =>
        lines.push(`jimeng_http_request_duration_seconds_bucket{${labels},le="${upper}"} ${h.buckets[i]}`),
      );
      lines.push(`jimeng_http_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      lines.push(`jimeng_http_request_duration_seconds_sum{${labels}} ${h.sum}`);
      lines.push(`jimeng_http_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    lines.push(
      '# HELP jimeng_workflows_started_total Generation workflows admitted through this API, by type.',
    );
    lines.push('# TYPE jimeng_workflows_started_total counter');
    for (const [labels, n] of this.started) lines.push(`jimeng_workflows_started_total{${labels}} ${n}`);
    for (const gauge of gauges) {
      lines.push(`# HELP ${gauge.name} ${gauge.help}`);
      lines.push(`# TYPE ${gauge.name} gauge`);
      for (const s of gauge.samples) {
        const labels = Object.keys(s.labels).length > 0 ? `{${key(s.labels)}}` : '';
        lines.push(`${gauge.name}${labels} ${sampleValue(s.value)}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The exposition format spells the infinities +Inf and -Inf (JavaScript prints Infinity). */
function sampleValue(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
