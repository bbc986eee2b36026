#!/usr/bin/env node
// A fast, fixed-answer OpenAI chat completions upstream for the Tollgate benchmark.
//
//   node bench/fake-upstream.js [port]        (env: PORT, HOST, CHUNK_DELAY_MS)
//
// POST .../chat/completions
//   stream absent/false -> one chat.completion JSON (usage, logprobs: null, refusal: null)
//   stream: true        -> chat.completion.chunk events: a role chunk, CONTENT.length content
//                          chunks, a finish chunk, then (only if stream_options.include_usage is
//                          true) a usage chunk with choices: [], then data: [DONE]
// The delay between stream events is CHUNK_DELAY_MS (default 0 = the whole stream in one write),
// overridable per request with the header x-fake-chunk-delay-ms. The first event is always sent
// at once, so a client's time to first event measures the path, not the delay.
// POST .../messages (Anthropic's Messages API, for the TTFT of Tollgate's translating adapter)
//   stream absent/false -> one message JSON
//   stream: true        -> message_start, content_block_start, CONTENT.length text deltas,
//                          content_block_stop, message_delta (end_turn + usage), message_stop;
//                          paced by the same delay
// Answers are built once per model name and cached as Buffers; per request the only work is
// reading and JSON-parsing the body. Plain node:http, no dependencies.
'use strict';

const http = require('node:http');

const PORT = Number(process.argv[2] || process.env.PORT || 18081);
const HOST = process.env.HOST || '127.0.0.1';
const DEFAULT_DELAY_MS = Number(process.env.CHUNK_DELAY_MS || 0);
const CREATED = 1767225600; // fixed: answers are byte-identical across runs
const ID = 'chatcmpl-tollgatebench0000000000001';
const FINGERPRINT = 'fp_bench0001';
const CONTENT = ['Hello', '!', ' How', ' can', ' I', ' help', ' you', ' today', '?'];
const TEXT = CONTENT.join('');
const PROMPT_TOKENS = 24;
const COMPLETION_TOKENS = CONTENT.length;

function usage() {
  return {
    prompt_tokens: PROMPT_TOKENS,
    completion_tokens: COMPLETION_TOKENS,
    total_tokens: PROMPT_TOKENS + COMPLETION_TOKENS,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0,
    },
  };
}

function completion(model) {
  return Buffer.from(JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: TEXT, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: 'stop',
    }],
    usage: usage(),
    service_tier: 'default',
    system_fingerprint: FINGERPRINT,
  }));
}

function chunk(model, delta, finishReason) {
  return {
    id: ID, object: 'chat.completion.chunk', created: CREATED, model,
    service_tier: 'default', system_fingerprint: FINGERPRINT,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  };
}

/** The SSE events of one stream as separate Buffers, plus all of them joined. */
function streamEvents(model, includeUsage) {
  const events = [chunk(model, { role: 'assistant', content: '', refusal: null }, null)];
  for (const piece of CONTENT) {
    events.push(chunk(model, { content: piece }, null));
  }
  events.push(chunk(model, {}, 'stop'));
  if (includeUsage) {
    events.push({
      id: ID, object: 'chat.completion.chunk', created: CREATED, model,
      service_tier: 'default', system_fingerprint: FINGERPRINT, choices: [], usage: usage(),
    });
  }
  const frames = events.map((e) => Buffer.from('data: ' + JSON.stringify(e) + '\n\n'));
  frames.push(Buffer.from('data: [DONE]\n\n'));
  return { frames, joined: Buffer.concat(frames) };
}

/** The same answer in Anthropic's Messages shapes. */
function anthropicMessage(model) {
  return Buffer.from(JSON.stringify({
    id: 'msg_tollgatebench0000000001', type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text: TEXT }], stop_reason: 'end_turn', stop_sequence: null,
    usage: { input_tokens: PROMPT_TOKENS, output_tokens: COMPLETION_TOKENS, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
  }));
}

function anthropicEvents(model) {
  const events = [
    ['message_start', { type: 'message_start', message: {
      id: 'msg_tollgatebench0000000001', type: 'message', role: 'assistant', model, content: [],
      stop_reason: null, stop_sequence: null,
      usage: { input_tokens: PROMPT_TOKENS, output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } } }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
  ];
  for (const piece of CONTENT) {
    events.push(['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }]);
  }
  events.push(['content_block_stop', { type: 'content_block_stop', index: 0 }]);
  events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null },
    usage: { output_tokens: COMPLETION_TOKENS } }]);
  events.push(['message_stop', { type: 'message_stop' }]);
  const frames = events.map(([name, e]) => Buffer.from('event: ' + name + '\ndata: ' + JSON.stringify(e) + '\n\n'));
  return { frames, joined: Buffer.concat(frames) };
}

const cache = new Map();
function answers(model) {
  let a = cache.get(model);
  if (!a) {
    a = {
      json: completion(model), streamUsage: streamEvents(model, true), streamPlain: streamEvents(model, false),
      anthropicJson: anthropicMessage(model), anthropicStream: anthropicEvents(model),
    };
    if (cache.size < 64) cache.set(model, a);
  }
  return a;
}

const JSON_HEADERS = { 'content-type': 'application/json' };
const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'transfer-encoding': 'chunked',
};

function fail(res, status, message) {
  const body = JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } });
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(req, res, body, anthropic) {
  let request;
  try {
    request = JSON.parse(body);
  } catch (e) {
    return fail(res, 400, 'We could not parse the JSON body of your request.');
  }
  const model = typeof request.model === 'string' ? request.model : 'unknown';
  const a = answers(model);
  if (request.stream !== true) {
    const json = anthropic ? a.anthropicJson : a.json;
    res.writeHead(200, { ...JSON_HEADERS, 'content-length': json.length });
    res.end(json);
    return;
  }
  const includeUsage = !!(request.stream_options && request.stream_options.include_usage === true);
  const events = anthropic ? a.anthropicStream : includeUsage ? a.streamUsage : a.streamPlain;
  const header = req.headers['x-fake-chunk-delay-ms'];
  const delay = header !== undefined ? Number(header) : DEFAULT_DELAY_MS;
  res.writeHead(200, SSE_HEADERS);
  if (!(delay > 0)) {
    res.end(events.joined);
    return;
  }
  let i = 0;
  let timer = null;
  res.on('close', () => clearTimeout(timer));
  const next = () => {
    if (res.destroyed) return;
    res.write(events.frames[i++]);
    if (i === events.frames.length) {
      res.end();
    } else {
      timer = setTimeout(next, delay);
    }
  };
  next();
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
    return;
  }
  const anthropic = req.url.endsWith('/messages');
  if (req.method !== 'POST' || !(anthropic || req.url.endsWith('/chat/completions'))) {
    req.resume();
    return fail(res, 404, 'Unknown request URL: ' + req.method + ' ' + req.url);
  }
  const parts = [];
  req.on('data', (d) => parts.push(d));
  req.on('end', () => handle(req, res, parts.length === 1 ? parts[0].toString() : Buffer.concat(parts).toString(), anthropic));
});
// Keep connections as long as the clients (wrk, nginx's keepalive pool, Tollgate's pool: 30 s idle)
// so no request ever lands on a socket the server is closing.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.listen(PORT, HOST, () => {
  process.stdout.write(`fake upstream on http://${HOST}:${PORT} (pid ${process.pid}, chunk delay ${DEFAULT_DELAY_MS} ms)\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(0));
}
