'use strict';
/** Load generation (autocannon) and precise sequential timing (node:http with keep-alive). */
const autocannon = require('autocannon');
const http = require('node:http');

/** Runs autocannon and returns the figures the report uses; throws if anything but 2xx came back. */
async function cannon(options, { allowNon2xx = false } = {}) {
  const result = await autocannon({ ...options, excludeErrorStats: false });
  const summary = {
    requestsPerSec: round(result.requests.average, 1),
    requestsTotal: result.requests.total,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: round(result.latency.mean, 2),
    },
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    connections: result.connections,
    durationS: result.duration,
  };
  if (!allowNon2xx && (summary.non2xx > 0 || summary.errors > 0 || summary.timeouts > 0)) {
    throw new Error(
      `load on ${options.url} got ${summary.non2xx} non-2xx, ${summary.errors} errors, ${summary.timeouts} timeouts`,
    );
  }
  return summary;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/**
 * One request over a kept-alive connection, timed from write to the last byte (ms, sub-ms precision).
 * `form` makes it a urlencoded POST.
 */
function timed(url, { method = 'GET', headers = {}, form } = {}) {
  return new Promise((resolve, reject) => {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const started = process.hrtime.bigint();
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: body
          ? {
              ...headers,
              'content-type': 'application/x-www-form-urlencoded',
              'content-length': Buffer.byteLength(body),
            }
          : headers,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** p-th percentile (nearest rank) of a list of numbers. */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function stats(values) {
  return {
    n: values.length,
    p50: round(percentile(values, 50), 2),
    p99: round(percentile(values, 99), 2),
    max: round(Math.max(...values), 2),
  };
}

function round(value, digits) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

module.exports = { cannon, timed, percentile, stats, round, agent };
