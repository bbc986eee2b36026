#!/usr/bin/env node
// Where a JFR recording's CPU samples go: reads `jfr print --json --events jdk.ExecutionSample`
// output and prints (1) the hottest methods by self samples, (2) the share of samples whose stack
// passes through selected areas (inclusive), (3) the hottest dev.tollgate methods (inclusive).
//
//   jfr print --json --events jdk.ExecutionSample rec.jfr > samples.json
//   node bench/jfr-top.js samples.json [topN] [begin end]
// begin/end (ISO instants) keep only the samples taken in that window: a dump of a long-running
// recording holds whole chunks, i.e. also samples from before the window.
'use strict';

const fs = require('node:fs');

const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const topN = Number(process.argv[3] || 15);
const begin = process.argv[4] ? Date.parse(process.argv[4]) : -Infinity;
const end = process.argv[5] ? Date.parse(process.argv[5]) : Infinity;
const events = data.recording.events.filter((e) => {
  if (e.type !== 'jdk.ExecutionSample') return false;
  const t = Date.parse(e.values.startTime);
  return t >= begin && t <= end;
});

const name = (f) => f.method.type.name.replace(/\//g, '.') + '.' + f.method.name;

// Inclusive areas: a sample counts once for every area that appears anywhere on its stack.
const AREAS = [
  ['usage event building (CallRecorder.finish)', /^dev\.tollgate\.pipeline\.CallRecorder\.finish$/],
  ['Micrometer meters (builders, registry, histograms)', /^io\.micrometer\./],
  ['token counting (jtokkit / TokenCounter)', /^(com\.knuddels\.jtokkit\.|dev\.tollgate\.support\.TokenCounter)/],
  ['JSON (Jackson)', /^tools\.jackson\./],
  ['SSE splitting (SseSplitter)', /^dev\.tollgate\.streaming\.SseSplitter\./],
  ['key hashing (SHA-256)', /^(dev\.tollgate\.support\.KeyHash|sun\.security\.provider\.(SHA|Digest))/],
  ['circuit breaker (resilience4j)', /^io\.github\.resilience4j\./],
  ['usage writer / R2DBC / H2', /^(dev\.tollgate\.usage\.|io\.r2dbc\.|org\.h2\.)/],
  ['Spring Cloud Gateway filter chain / routing', /^org\.springframework\.cloud\.gateway\./],
  ['Spring WebFlux / web', /^org\.springframework\.(web|http)\./],
  ['Reactor Netty HTTP client (upstream)', /^reactor\.netty\.http\.client\./],
  ['Reactor Netty HTTP server', /^reactor\.netty\.http\.server\./],
  ['Netty I/O (epoll, channel pipeline)', /^io\.netty\.(channel|util)\./],
  ['logging (logback/slf4j)', /^(ch\.qos\.logback|org\.slf4j)\./],
  ['exceptions (fillInStackTrace)', /^java\.lang\.Throwable\.(fillInStackTrace|<init>)$/],
];

const self = new Map();
const callers = new Map(); // hot method -> (first caller outside java.*/jdk.*/sun.* -> n)
const areas = new Map(AREAS.map(([n]) => [n, 0]));
const tollgate = new Map();
const threads = new Map();
for (const e of events) {
  const frames = e.values.stackTrace ? e.values.stackTrace.frames : [];
  if (!frames.length) continue;
  const top = name(frames[0]);
  self.set(top, (self.get(top) || 0) + 1);
  const caller = frames.map(name).find((n) => !/^(java|jdk|sun)\./.test(n)) || '(JDK only)';
  if (!callers.has(top)) callers.set(top, new Map());
  callers.get(top).set(caller, (callers.get(top).get(caller) || 0) + 1);
  const t = (e.values.sampledThread.javaName || e.values.sampledThread.osName || '?').replace(/-\d+$/, '-N');
  threads.set(t, (threads.get(t) || 0) + 1);
  const names = frames.map(name);
  for (const [area, re] of AREAS) {
    if (names.some((n) => re.test(n))) areas.set(area, areas.get(area) + 1);
  }
  const seen = new Set(names.filter((n) => n.startsWith('dev.tollgate.')));
  for (const n of seen) tollgate.set(n, (tollgate.get(n) || 0) + 1);
}

const total = events.length;
const pct = (n) => ((100 * n) / total).toFixed(1).padStart(5) + ' %';
const top = (m, n) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n);
const out = [`${total} samples`];
out.push('threads:');
for (const [t, n] of top(threads, 6)) out.push(`  ${pct(n)}  ${t}`);
out.push('inclusive, by area (a sample can count in several):');
for (const [a, n] of [...areas.entries()].sort((x, y) => y[1] - x[1])) if (n) out.push(`  ${pct(n)}  ${a}`);
out.push(`top ${topN} methods by self samples:`);
for (const [m, n] of top(self, topN)) {
  out.push(`  ${pct(n)}  ${m}`);
  if (/^(java|jdk|sun)\./.test(m)) {
    const [c, k] = top(callers.get(m), 1)[0];
    out.push(`             from ${c} (${Math.round((100 * k) / n)} % of these)`);
  }
}
out.push('top dev.tollgate methods, inclusive:');
for (const [m, n] of top(tollgate, 10)) out.push(`  ${pct(n)}  ${m}`);
process.stdout.write(out.join('\n') + '\n');
