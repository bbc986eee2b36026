#!/usr/bin/env node
// Turns the raw lines of one bench/run.sh run (bench/results/<timestamp>.jsonl) into the summary
// tables: medians over rounds, Tollgate's added latency versus direct, its throughput as a share
// of nginx's, added TTFT, idle RSS, and pass/miss against the targets.
//
//   node bench/summarize.js bench/results/<timestamp>.jsonl
'use strict';

const fs = require('node:fs');

const TARGETS = {
  addedP50Ms: 0.3, addedP99Ms: 1.0, throughputShare: 0.5, addedTtftP50Ms: 1.0, idleRssMiB: 300,
};

const lines = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

function median(xs) {
  const s = xs.filter((x) => x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
const ms = (us) => (us / 1000).toFixed(3);
const signedMs = (us) => (us >= 0 ? '+' : '') + (us / 1000).toFixed(3);
const rounds = (phase) => [...new Set(lines.filter((l) => l.phase === phase).map((l) => l.round))];
function run(phase, target, mode, round) {
  return lines.find((l) => l.phase === phase && l.target === target && l.mode === mode && l.round === round);
}
function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => String(r[i]).length)));
  const fmt = (r) => '| ' + r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' | ') + ' |';
  return [fmt(header), '|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|', ...rows.map(fmt)].join('\n');
}

const out = [];
const verdicts = [];
const errorRuns = lines.filter((l) => l.wrk && Object.values(l.wrk.errors).some((n) => n > 0));

// ---- paced
const pacedRounds = rounds('paced');
const added = {};
if (pacedRounds.length) {
  const rate = lines.find((l) => l.phase === 'paced').wrk.target_rate;
  out.push(`Latency at a fixed ${rate} req/s (medians of ${pacedRounds.length} rounds; "added" = median over rounds of the per-round difference to direct)`);
  const rows = [];
  for (const mode of ['json', 'sse']) {
    for (const t of ['direct', 'nginx', 'tollgate']) {
      const rs = pacedRounds.map((r) => run('paced', t, mode, r)).filter(Boolean);
      if (!rs.length) continue;
      const d = (k) => median(pacedRounds.map((r) => {
        const a = run('paced', t, mode, r);
        const b = run('paced', 'direct', mode, r);
        return a && b ? a.wrk.lat_us[k] - b.wrk.lat_us[k] : NaN;
      }));
      const p50 = median(rs.map((x) => x.wrk.lat_us.p50));
      const p99 = median(rs.map((x) => x.wrk.lat_us.p99));
      if (t === 'tollgate') added[mode] = { p50: d('p50'), p99: d('p99') };
      rows.push([`${mode.toUpperCase()} ${t}`, median(rs.map((x) => x.wrk.rps)).toFixed(0), ms(p50), ms(p99),
        ms(median(rs.map((x) => x.wrk.lat_us.p999))),
        t === 'direct' ? '' : signedMs(d('p50')), t === 'direct' ? '' : signedMs(d('p99'))]);
    }
  }
  out.push(table(['path', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'added p50 ms', 'added p99 ms'], rows), '');
  for (const mode of Object.keys(added)) {
    verdicts.push([`added latency p50 @${rate} rps, ${mode.toUpperCase()}`, `<= ${TARGETS.addedP50Ms} ms`,
      `${ms(added[mode].p50)} ms`, added[mode].p50 / 1000 <= TARGETS.addedP50Ms]);
    verdicts.push([`added latency p99 @${rate} rps, ${mode.toUpperCase()}`, `<= ${TARGETS.addedP99Ms} ms`,
      `${ms(added[mode].p99)} ms`, added[mode].p99 / 1000 <= TARGETS.addedP99Ms]);
  }
}

// ---- saturation
const satRounds = rounds('sat');
if (satRounds.length) {
  out.push(`Saturation throughput (closed loop; medians of ${satRounds.length} rounds; share = median of per-round Tollgate/nginx ratios)`);
  const rows = [];
  for (const mode of ['json', 'sse']) {
    for (const t of ['direct', 'nginx', 'tollgate']) {
      const rs = satRounds.map((r) => run('sat', t, mode, r)).filter(Boolean);
      if (!rs.length) continue;
      const rps = median(rs.map((x) => x.wrk.rps));
      const share = t === 'direct' ? NaN : median(satRounds.map((r) => {
        const a = run('sat', t, mode, r);
        const n = run('sat', 'nginx', mode, r);
        return a && n ? a.wrk.rps / n.wrk.rps : NaN;
      }));
      const cpuPerReq = median(rs.map((x) => (x.cpu_s * 1e6) / x.wrk.requests));
      const upCpuPerReq = median(rs.map((x) => (x.upstream_cpu_s * 1e6) / x.wrk.requests));
      if (t === 'tollgate') {
        verdicts.push([`throughput vs nginx at saturation, ${mode.toUpperCase()}`, `>= ${TARGETS.throughputShare * 100} %`,
          `${(share * 100).toFixed(0)} % (${rps.toFixed(0)} vs ${median(satRounds.map((r) => run('sat', 'nginx', mode, r)?.wrk.rps)).toFixed(0)} req/s)`,
          share >= TARGETS.throughputShare]);
      }
      rows.push([`${mode.toUpperCase()} ${t}`, rps.toFixed(0), t === 'direct' ? '' : `${(share * 100).toFixed(0)} %`,
        ms(median(rs.map((x) => x.wrk.lat_us.p50))), ms(median(rs.map((x) => x.wrk.lat_us.p99))),
        t === 'direct' ? '' : cpuPerReq.toFixed(0), upCpuPerReq.toFixed(0)]);
    }
  }
  out.push(table(['path', 'req/s', 'share of nginx', 'p50 ms', 'p99 ms', 'proxy CPU us/req', 'upstream CPU us/req'], rows), '');
}

// ---- TTFT
const ttft = lines.filter((l) => l.phase === 'ttft');
if (ttft.length) {
  out.push(`Time to first SSE event, sequential streams (${ttft[0].probe.n} per target per round; medians of ${ttft.length} rounds)`);
  const rows = [];
  let addedTtft = null;
  // Each path against the direct call to the same upstream shape.
  const base = { direct: 'direct', nginx: 'direct', tollgate: 'direct', 'direct-anthropic': 'direct-anthropic', 'tollgate-anthropic': 'direct-anthropic' };
  for (const t of Object.keys(base).filter((k) => ttft[0].probe.targets[k])) {
    const ref = base[t];
    const d = (k) => median(ttft.map((l) => l.probe.targets[t][k] - l.probe.targets[ref][k]));
    if (t === 'tollgate') addedTtft = { p50: d('p50'), p99: d('p99') };
    rows.push([t, ms(median(ttft.map((l) => l.probe.targets[t].p50))), ms(median(ttft.map((l) => l.probe.targets[t].p99))),
      t === ref ? '' : signedMs(d('p50')), t === ref ? '' : signedMs(d('p99'))]);
  }
  out.push(table(['path', 'TTFT p50 ms', 'TTFT p99 ms', 'added p50 ms', 'added p99 ms'], rows),
    'added: against the direct call to the same upstream (tollgate-anthropic: OpenAI client → Tollgate → Anthropic-shaped upstream, both directions translated)', '');
  if (ttft[0].probe.targets.direct.token) {
    // Time to the first generated text: the fair comparison across API shapes (an Anthropic
    // stream sends message_start and content_block_start before any text; Tollgate holds its
    // OpenAI role chunk back until the first text so a failure before it can still fall back).
    out.push('Time to first token (first event with generated text), same runs');
    const tokenRows = [];
    for (const t of Object.keys(base).filter((k) => ttft[0].probe.targets[k])) {
      const ref = base[t];
      const d = (k) => median(ttft.map((l) => l.probe.targets[t].token[k] - l.probe.targets[ref].token[k]));
      tokenRows.push([t, ms(median(ttft.map((l) => l.probe.targets[t].token.p50))), ms(median(ttft.map((l) => l.probe.targets[t].token.p99))),
        t === ref ? '' : signedMs(d('p50')), t === ref ? '' : signedMs(d('p99'))]);
    }
    out.push(table(['path', 'first token p50 ms', 'p99 ms', 'added p50 ms', 'added p99 ms'], tokenRows), '');
  }
  verdicts.push(['added TTFT p50', `<= ${TARGETS.addedTtftP50Ms} ms`, `${ms(addedTtft.p50)} ms`,
    addedTtft.p50 / 1000 <= TARGETS.addedTtftP50Ms]);
}

// ---- RSS
const idle = lines.find((l) => l.phase === 'rss' && l.when === 'idle-after-warmup');
const end = lines.find((l) => l.phase === 'rss' && l.when === 'end-of-run');
if (idle) {
  const mib = idle.rss_kb / 1024;
  out.push(`Tollgate RSS: ${mib.toFixed(0)} MiB idle after warm-up${end ? `, ${(end.rss_kb / 1024).toFixed(0)} MiB at the end of the run` : ''}`, '');
  verdicts.push(['idle RSS after warm-up', `<= ${TARGETS.idleRssMiB} MB`, `${mib.toFixed(0)} MiB`, mib <= TARGETS.idleRssMiB]);
}

// ---- warm-up and foreign load
const warm = lines.filter((l) => l.phase === 'warmup' && l.target === 'tollgate' && l.wrk.target_rate === 0);
const warmEnd = lines.find((l) => l.phase === 'warmup-end');
if (warm.length) {
  const curve = (mode) => warm.filter((l) => l.mode === mode).map((l) => l.wrk.rps.toFixed(0)).join(' > ');
  out.push(`Tollgate warm-up (${warmEnd ? warmEnd.seconds + ' s, ' + (warmEnd.settled ? 'settled' : 'not settled') : ''}; req/s per ${warm[0].wrk.seconds.toFixed(0)} s window at saturation)`);
  out.push(`  JSON: ${curve('json')}`, `  SSE:  ${curve('sse')}`, '');
}
const measured = lines.filter((l) => l.wrk && ['paced', 'sat'].includes(l.phase));
if (measured.length) {
  const other = measured.map((l) => (100 * l.other_cpu_s) / l.wrk.seconds);
  const busy = measured.filter((l, i) => other[i] > 20);
  out.push(`Foreign CPU load during measured runs (processes other than wrk, upstream, nginx, Tollgate; % of one core): `
    + `median ${median(other).toFixed(0)} %, max ${Math.max(...other).toFixed(0)} %`
    + (busy.length ? `; above 20 % in: ${busy.map((l) => l.wrk.label).join(', ')}` : ''), '');
}

out.push('Targets');
out.push(table(['target', 'goal', 'measured', 'verdict'], verdicts.map((v) => [v[0], v[1], v[2], v[3] ? 'PASS' : 'MISS'])));
if (errorRuns.length) {
  out.push('', `WARNING: ${errorRuns.length} wrk run(s) had errors; their numbers are not trustworthy:`);
  for (const l of errorRuns) out.push(`  ${l.wrk.label} ${JSON.stringify(l.wrk.errors)}`);
}
process.stdout.write(out.join('\n') + '\n');
