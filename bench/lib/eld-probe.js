'use strict';
/**
 * Preloaded into the servers under test (`NODE_OPTIONS=--require <this file>`, with BENCH_ELD_DIR set;
 * cluster workers inherit both): records the event loop's delay with perf_hooks.monitorEventLoopDelay.
 * Each SIGWINCH (ignored by default, and not among the signals Nest's shutdown hooks catch, unlike
 * SIGUSR2) writes what was recorded since the previous one to BENCH_ELD_DIR/<pid>.json (ms) and
 * starts again, so the bench brackets a load slice with two signals. Nothing else changes in the app.
 */
const fs = require('node:fs');
const path = require('node:path');
const { monitorEventLoopDelay } = require('node:perf_hooks');

const dir = process.env.BENCH_ELD_DIR;
if (dir) {
  const RESOLUTION_MS = 10;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  // Node records the whole interval between two timer ticks: the delay is what exceeds the resolution.
  const ms = (ns) => Math.max(0, Math.round(ns / 1e4 - RESOLUTION_MS * 100) / 100);
  process.on('SIGWINCH', () => {
    const figures = {
      pid: process.pid,
      samples: histogram.count,
      p50: ms(histogram.percentile(50)),
      p99: ms(histogram.percentile(99)),
      max: ms(histogram.max),
      mean: ms(histogram.mean),
    };
    histogram.reset();
    const file = path.join(dir, `${process.pid}.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(figures));
    fs.renameSync(`${file}.tmp`, file);
  });
}
