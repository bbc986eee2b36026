#!/usr/bin/env node
// Time to first token probe: streams chat completions one at a time and measures, per request,
// the time from sending the request to receiving the first SSE "data:" event.
//
//   node bench/ttft-probe.js --n 300 --warmup 50 \
//       --target direct=http://127.0.0.1:18081/v1/chat/completions \
//       --target nginx=http://127.0.0.1:18083/v1/chat/completions \
//       --target tollgate=http://127.0.0.1:18082/v1/chat/completions@bench-model-ttft \
//       [--key tg-...] [--model bench-model] [--header 'x-fake-chunk-delay-ms: 2'] [--label round1]
//       [--gap-ms 10]
//
// A target may end in @model to send another model name there (Tollgate's TTFT model points at a
// provider that adds the chunk-delay header itself). Targets are probed interleaved (one request
// to each, in a fresh random order every turn) so that drift on the machine hits all of them
// alike, with a pause of --gap-ms between requests so that one target's after-work (Tollgate
// writes its usage event once a stream ends) does not land on the next target's request; the
// probe measures a lone request on an otherwise idle path. Each target keeps one keep-alive
// connection, as an SDK client would. Every stream is read to data: [DONE] and checked.
// A target whose path ends in /messages is spoken to in Anthropic's Messages shape (the direct
// call to an Anthropic-shaped upstream); its stream ends with event: message_stop. A target whose
// path ends in /responses is spoken to in OpenAI's Responses shape (Tollgate's /v1/responses, the
// same prompt as instructions + input); its stream ends with event: response.completed.
// Two times per request: to the first SSE event, and to the first token (the first event that
// carries generated text: a non-empty delta.content, or Anthropic's text_delta). They differ when
// a path sends an event before any text (OpenAI's role chunk, Anthropic's message_start).
// Prints one line "BENCH_TTFT {json}" with per-target percentiles in microseconds (first event),
// and the same under "token" for the first token.
'use strict';

const http = require('node:http');

function args(argv) {
  const out = { n: 300, warmup: 50, gapMs: 10, key: 'tg-bench-key-000001', model: 'bench-model', headers: {}, targets: [], label: '' };
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[++i];
    if (a === '--n') out.n = Number(v);
    else if (a === '--warmup') out.warmup = Number(v);
    else if (a === '--gap-ms') out.gapMs = Number(v);
    else if (a === '--key') out.key = v;
    else if (a === '--model') out.model = v;
    else if (a === '--label') out.label = v;
    else if (a === '--header') {
      const c = v.indexOf(':');
      out.headers[v.slice(0, c).trim().toLowerCase()] = v.slice(c + 1).trim();
    } else if (a === '--target') {
      const eq = v.indexOf('=');
      let url = v.slice(eq + 1);
      let model = null;
      const at = url.lastIndexOf('@');
      if (at > url.indexOf('//') + 2 && !url.slice(at).includes('/')) {
        model = url.slice(at + 1);
        url = url.slice(0, at);
      }
      out.targets.push({ name: v.slice(0, eq), url: new URL(url), model });
    } else {
      throw new Error('unknown argument ' + a);
    }
  }
  return out;
}

const opts = args(process.argv);

function bodyFor(model, anthropic, responses) {
  if (responses) {
    return Buffer.from(JSON.stringify({
      model,
      instructions: 'You are a helpful assistant. Answer briefly.',
      input: 'Say hello and offer help in one short sentence.',
      max_output_tokens: 32,
      temperature: 0.2,
      stream: true,
    }));
  }
  if (anthropic) {
    return Buffer.from(JSON.stringify({
      model,
      system: 'You are a helpful assistant. Answer briefly.',
      messages: [{ role: 'user', content: 'Say hello and offer help in one short sentence.' }],
      max_tokens: 32,
      temperature: 0.2,
      stream: true,
    }));
  }
  return Buffer.from(JSON.stringify({
    model,
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Answer briefly.' },
      { role: 'user', content: 'Say hello and offer help in one short sentence.' },
    ],
    max_tokens: 32,
    temperature: 0.2,
    stream: true,
    stream_options: { include_usage: true },
  }));
}

for (const t of opts.targets) {
  t.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  t.anthropic = t.url.pathname.endsWith('/messages');
  t.responses = t.url.pathname.endsWith('/responses');
  t.body = bodyFor(t.model || opts.model, t.anthropic, t.responses);
  t.samples = [];
  t.tokenSamples = [];
}

const OPENAI_TOKEN = /"content":"[^"]/;
const ANTHROPIC_TOKEN = /"type":"text_delta","text":"[^"]/;
const RESPONSES_TOKEN = /"type":"response.output_text.delta"[^\n]*"delta":"[^"]/;

function once(t) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let first = null;
    let firstToken = null;
    const tokenPattern = t.responses ? RESPONSES_TOKEN : t.anthropic ? ANTHROPIC_TOKEN : OPENAI_TOKEN;
    let text = '';
    const req = http.request({
      host: t.url.hostname, port: t.url.port, path: t.url.pathname, method: 'POST', agent: t.agent,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: 'Bearer ' + opts.key,
        'content-length': t.body.length,
        ...opts.headers,
      },
    }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d) => {
        if (text.length < 65536) text += d;
        if (first === null && text.includes('data:')) first = process.hrtime.bigint();
        if (firstToken === null && tokenPattern.test(text)) firstToken = process.hrtime.bigint();
      });
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`${t.name}: HTTP ${res.statusCode} ${text.slice(0, 300)}`));
        const end = t.responses ? 'event: response.completed' : t.anthropic ? 'event: message_stop' : 'data: [DONE]';
        if (first === null || firstToken === null || !text.includes(end)) return reject(new Error(`${t.name}: incomplete stream`));
        resolve([Number(first - start) / 1000, Number(firstToken - start) / 1000]);
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(t.body);
  });
}

function pct(sorted, p) {
  // nearest-rank percentile
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function shuffled(xs) {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

(async () => {
  for (let i = 0; i < opts.warmup; i++) {
    for (const t of opts.targets) await once(t);
  }
  for (let i = 0; i < opts.n; i++) {
    for (const t of shuffled(opts.targets)) {
      await sleep(opts.gapMs);
      const [event, token] = await once(t);
      t.samples.push(event);
      t.tokenSamples.push(token);
    }
  }
  const result = { label: opts.label, n: opts.n, targets: {} };
  for (const t of opts.targets) {
    const stats = (samples) => {
      const s = samples.slice().sort((a, b) => a - b);
      return {
        p50: Math.round(pct(s, 50)), p90: Math.round(pct(s, 90)), p99: Math.round(pct(s, 99)),
        min: Math.round(s[0]), max: Math.round(s[s.length - 1]),
      };
    };
    result.targets[t.name] = { ...stats(t.samples), token: stats(t.tokenSamples) };
    t.agent.destroy();
  }
  process.stdout.write('BENCH_TTFT ' + JSON.stringify(result) + '\n');
})().catch((e) => {
  process.stderr.write('ttft-probe: ' + e.message + '\n');
  process.exit(1);
});
