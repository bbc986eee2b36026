// The official OpenAI Node SDK, unchanged but for base URL and key, against Tollgate.
// Run by gateway/src/test/java/dev/tollgate/it/NodeSdkIT.java, which starts the gateway with its
// test config and stubs the WireMock upstream behind model `node-429` to answer 429 before running:
//   TOLLGATE_BASE_URL=http://127.0.0.1:PORT/v1 TOLLGATE_KEY=... TOLLGATE_LIMITED_KEY=... node --test sdk-test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';

const baseURL = requiredEnv('TOLLGATE_BASE_URL');
const KEY = requiredEnv('TOLLGATE_KEY');
const LIMITED_KEY = requiredEnv('TOLLGATE_LIMITED_KEY');

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

function client(apiKey = KEY) {
  return new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });
}

const messages = [{ role: 'user', content: 'What is a gateway?' }];

const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    parameters: { type: 'object', properties: { city: { type: 'string' } } },
  },
};

async function collect(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

/** Awaits promise, asserts it rejects with an instance of errorClass, and returns the error. */
async function rejection(promise, errorClass) {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof errorClass, `expected ${errorClass.name}, got ${err?.constructor?.name}: ${err?.message}`);
    return err;
  }
  assert.fail(`expected ${errorClass.name}, but the call succeeded`);
}

test('chat completion, non-streaming, n=2', async () => {
  const { data: c, request_id } = await client().chat.completions
    .create({ model: 'sim-model', messages, n: 2, max_completion_tokens: 20 })
    .withResponse();
  assert.ok(request_id, 'x-request-id header is exposed as request_id');
  assert.equal(c.object, 'chat.completion');
  assert.equal(typeof c.id, 'string');
  assert.equal(c.model, 'sim-model');
  assert.equal(c.choices.length, 2);
  const nowSeconds = Math.floor(Date.now() / 1000);
  assert.ok(Number.isInteger(c.created), `created is an integer: ${c.created}`);
  assert.ok(c.created >= nowSeconds - 60 && c.created <= nowSeconds + 1, `created is in seconds: ${c.created}`);
  const choice = c.choices[0];
  assert.equal(choice.index, 0);
  assert.equal(c.choices[1].index, 1);
  assert.equal(choice.message.role, 'assistant');
  assert.equal(typeof choice.message.content, 'string');
  assert.ok(choice.message.content.trim().length > 0, 'content is not blank');
  assert.equal(choice.message.refusal, null);
  assert.equal(choice.logprobs, null);
  assert.ok(['stop', 'length'].includes(choice.finish_reason), `finish_reason: ${choice.finish_reason}`);
  assert.ok(c.usage, 'usage is present');
  assert.ok(c.usage.prompt_tokens > 0);
  assert.ok(c.usage.completion_tokens > 0);
  assert.equal(c.usage.total_tokens, c.usage.prompt_tokens + c.usage.completion_tokens);
});

test('chat completion, streaming with include_usage', async () => {
  const stream = await client().chat.completions.create({
    model: 'sim-model',
    messages,
    stream: true,
    stream_options: { include_usage: true },
  });
  const chunks = await collect(stream);
  assert.ok(chunks.length > 3, `more than 3 chunks, got ${chunks.length}`);
  for (const chunk of chunks) assert.equal(chunk.object, 'chat.completion.chunk');
  const last = chunks.at(-1);
  assert.ok(last.usage, 'last chunk carries usage');
  assert.ok(last.usage.total_tokens > 0);
  assert.deepEqual(last.choices, []);
  for (const chunk of chunks.slice(0, -1)) assert.equal(chunk.usage ?? null, null, 'only the last chunk has usage');
  const text = chunks.flatMap((c) => c.choices).map((ch) => ch.delta.content ?? '').join('');
  assert.ok(text.trim().length > 0, 'streamed content accumulates');
});

test('chat completion, streaming without usage', async () => {
  const stream = await client().chat.completions.create({ model: 'sim-model', messages, stream: true });
  const chunks = await collect(stream);
  assert.ok(chunks.length > 1);
  for (const chunk of chunks) assert.equal(chunk.usage ?? null, null, `no usage object: ${JSON.stringify(chunk)}`);
  const text = chunks.flatMap((c) => c.choices).map((ch) => ch.delta.content ?? '').join('');
  assert.ok(text.trim().length > 0);
});

test('chat completion, streaming helper accumulates a final completion', async () => {
  const runner = client().chat.completions.stream({ model: 'sim-model', messages });
  const final = await runner.finalChatCompletion();
  assert.ok(final.choices[0].message.content.trim().length > 0);
});

test('tools: non-streaming and streaming tool calls', async () => {
  const c = await client().chat.completions.create({ model: 'sim-model', messages, tools: [weatherTool] });
  const choice = c.choices[0];
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.ok(Array.isArray(choice.message.tool_calls) && choice.message.tool_calls.length > 0, 'tool_calls present');
  const call = choice.message.tool_calls[0];
  assert.equal(call.type, 'function');
  assert.equal(typeof call.id, 'string');
  assert.equal(call.function.name, 'get_weather');
  assert.equal(typeof call.function.arguments, 'string');
  JSON.parse(call.function.arguments);

  const stream = await client().chat.completions.create({ model: 'sim-model', messages, tools: [weatherTool], stream: true });
  const chunks = await collect(stream);
  const deltas = chunks.flatMap((ch) => ch.choices).flatMap((choice) => choice.delta.tool_calls ?? []);
  assert.ok(deltas.length > 0, 'streamed tool call deltas');
  for (const delta of deltas) assert.equal(delta.index, 0);
  assert.equal(deltas[0].function.name, 'get_weather');
  const finish = chunks.flatMap((ch) => ch.choices).map((choice) => choice.finish_reason).filter(Boolean);
  assert.deepEqual(finish, ['tool_calls']);

  // The SDK's stream helper reassembles tool calls from the deltas and checks their shape.
  const final = await client().chat.completions
    .stream({ model: 'sim-model', messages, tools: [weatherTool] })
    .finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  assert.equal(final.choices[0].message.tool_calls[0].function.name, 'get_weather');
  JSON.parse(final.choices[0].message.tool_calls[0].function.arguments);
});

test('response_format json_object', async () => {
  const c = await client().chat.completions.create({
    model: 'sim-model',
    messages,
    response_format: { type: 'json_object' },
  });
  const content = c.choices[0].message.content;
  const parsed = JSON.parse(content);
  assert.equal(typeof parsed, 'object');
});

test('legacy completions', async () => {
  const c = await client().completions.create({ model: 'sim-model', prompt: 'Once upon a time', max_tokens: 5 });
  assert.equal(c.object, 'text_completion');
  assert.equal(typeof c.choices[0].text, 'string');
  assert.ok(c.choices[0].text.trim().length > 0);
});

test('embeddings: float, SDK default (base64 decoded by the SDK) and explicit base64', async () => {
  const floats = await client().embeddings.create({ model: 'sim-model', input: 'hello', encoding_format: 'float' });
  assert.equal(floats.object, 'list');
  assert.equal(floats.data[0].object, 'embedding');
  assert.equal(floats.data[0].embedding.length, 256);
  assert.ok(floats.data[0].embedding.every((x) => typeof x === 'number'));
  assert.ok(floats.usage.prompt_tokens > 0);

  // With no encoding_format the SDK asks for base64 and decodes it into floats itself.
  const byDefault = await client().embeddings.create({ model: 'sim-model', input: 'hello' });
  assert.equal(byDefault.data[0].embedding.length, 256);
  assert.ok(byDefault.data[0].embedding.every((x) => typeof x === 'number' && Number.isFinite(x)));
  for (let i = 0; i < 256; i++) {
    assert.ok(Math.abs(byDefault.data[0].embedding[i] - floats.data[0].embedding[i]) < 1e-6, `component ${i} matches`);
  }

  const base64 = await client().embeddings.create({
    model: 'sim-model',
    input: 'hello',
    dimensions: 8,
    encoding_format: 'base64',
  });
  assert.equal(typeof base64.data[0].embedding, 'string');
  assert.equal(base64.data[0].embedding.length, 44); // 8 float32 = 32 bytes
});

test('models: list and retrieve', async () => {
  const ids = [];
  for await (const model of client().models.list()) ids.push(model.id);
  assert.ok(ids.includes('sim-model'), `sim-model listed: ${ids}`);
  assert.ok(ids.includes('gpt-4o-mini'), `gpt-4o-mini listed: ${ids}`);

  const limited = [];
  for await (const model of client(LIMITED_KEY).models.list()) limited.push(model.id);
  assert.deepEqual(limited, ['sim-model']);

  const model = await client().models.retrieve('sim-model');
  assert.equal(model.id, 'sim-model');
  assert.equal(model.object, 'model');
  assert.equal(model.owned_by, 'tollgate');
  assert.ok(Number.isInteger(model.created));
});

test('errors become the SDK error classes', async () => {
  const unauthorized = await rejection(
    client('tg-unknown-key').chat.completions.create({ model: 'sim-model', messages }),
    OpenAI.AuthenticationError,
  );
  assert.equal(unauthorized.status, 401);
  assert.match(unauthorized.message, /Incorrect API key/);
  assert.ok(unauthorized.requestID, 'error carries the x-request-id');

  const notFound = await rejection(
    client().chat.completions.create({ model: 'no-such-model', messages }),
    OpenAI.NotFoundError,
  );
  assert.equal(notFound.status, 404);
  assert.match(notFound.message, /does not exist/);

  const denied = await rejection(
    client(LIMITED_KEY).chat.completions.create({ model: 'gpt-4o-mini', messages }),
    OpenAI.PermissionDeniedError,
  );
  assert.equal(denied.status, 403);
  assert.match(denied.message, /not allowed to use model 'gpt-4o-mini'/);

  const badRequest = await rejection(
    client().chat.completions.create({ model: 'sim-model', messages, temperature: 7 }),
    OpenAI.BadRequestError,
  );
  assert.equal(badRequest.status, 400);
  assert.equal(badRequest.param, 'temperature');
  assert.equal(typeof badRequest.type, 'string');

  const noModel = await rejection(client().models.retrieve('nope'), OpenAI.NotFoundError);
  assert.equal(noModel.status, 404);
});

test('an upstream 429 becomes RateLimitError with retry-after', async () => {
  // NodeSdkIT stubs the upstream behind `node-429` to answer 429 with retry-after: 20.
  const limited = await rejection(
    client().chat.completions.create({ model: 'node-429', messages }),
    OpenAI.RateLimitError,
  );
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get('retry-after'), '20');
  assert.match(limited.message, /Rate limit reached/);
});

test('a mid-stream upstream failure is raised while iterating', async () => {
  const stream = await client().chat.completions.create({ model: 'broken', messages, stream: true });
  const received = [];
  await assert.rejects(
    async () => {
      for await (const chunk of stream) received.push(chunk);
    },
    (err) => {
      assert.ok(err instanceof OpenAI.APIError, `expected APIError, got ${err?.constructor?.name}: ${err?.message}`);
      return true;
    },
  );
  const text = received.flatMap((c) => c.choices).map((ch) => ch.delta.content ?? '').join('');
  assert.equal(text, 'Hel', 'the chunks before the failure were delivered');
});

// ------------------------------------------------------------------ Responses API (/v1/responses)

const fnTool = {
  type: 'function',
  name: 'get_weather',
  strict: false,
  parameters: { type: 'object', properties: { city: { type: 'string' } } },
};

test('responses: create, retrieve, input items and delete', async () => {
  const r = await client().responses.create({ model: 'sim-model', instructions: 'Be brief.', input: 'What is a gateway?' });
  assert.match(r.id, /^resp_/);
  assert.equal(r.object, 'response');
  assert.equal(r.status, 'completed');
  assert.ok(r.output_text.trim().length > 0, 'output_text assembled by the SDK');
  assert.match(r.output[0].id, /^msg_/);
  assert.ok(r.usage.input_tokens > 0 && r.usage.output_tokens > 0);
  assert.equal(r.usage.total_tokens, r.usage.input_tokens + r.usage.output_tokens);

  const again = await client().responses.retrieve(r.id);
  assert.equal(again.output_text, r.output_text);
  const items = [];
  for await (const item of client().responses.inputItems.list(r.id)) items.push(item);
  assert.equal(items.length, 1);
  assert.equal(items[0].content[0].text, 'What is a gateway?');

  await rejection(client(LIMITED_KEY).responses.retrieve(r.id), OpenAI.NotFoundError);
  await client().responses.delete(r.id);
  await rejection(client().responses.retrieve(r.id), OpenAI.NotFoundError);
});

test('responses: the stream helper, events in sequence, and the final response', async () => {
  const stream = client().responses.stream({ model: 'sim-model', input: 'What is a gateway?' });
  const types = [];
  const sequence = [];
  let text = '';
  stream.on('response.output_text.delta', (e) => { text += e.delta; });
  for await (const event of stream) {
    types.push(event.type);
    sequence.push(event.sequence_number);
  }
  const final = await stream.finalResponse();
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  assert.deepEqual(sequence, sequence.map((_, i) => i));
  assert.equal(final.output_text, text);
  assert.ok(text.length > 0);
});

test('responses: function calls, continued with previous_response_id', async () => {
  const first = await client().responses.create({ model: 'sim-model', input: 'Weather in Paris?', tools: [fnTool] });
  const call = first.output.find((item) => item.type === 'function_call');
  assert.ok(call, 'a function_call item');
  assert.equal(call.name, 'get_weather');
  assert.match(call.id, /^fc_/);
  JSON.parse(call.arguments);

  const next = await client().responses.create({
    model: 'sim-model',
    previous_response_id: first.id,
    input: [{ type: 'function_call_output', call_id: call.call_id, output: '18C and sunny' }],
  });
  assert.equal(next.previous_response_id, first.id);
  assert.ok(next.output_text.length > 0);

  const streamed = await client().responses.stream({ model: 'sim-model', input: 'Weather?', tools: [fnTool] }).finalResponse();
  const streamedCall = streamed.output.find((item) => item.type === 'function_call');
  assert.equal(streamedCall.name, 'get_weather');
  JSON.parse(streamedCall.arguments);
});

test('responses: structured output with text.format json_schema', async () => {
  const r = await client().responses.create({
    model: 'sim-model',
    input: 'Describe a gateway',
    text: { format: { type: 'json_schema', name: 'answer', schema: { type: 'object', properties: { answer: { type: 'string' } } } } },
  });
  assert.equal(typeof JSON.parse(r.output_text), 'object');
});

test('responses: errors and a mid-stream failure are raised', async () => {
  await rejection(client('tg-unknown-key').responses.create({ model: 'sim-model', input: 'x' }), OpenAI.AuthenticationError);
  await rejection(client().responses.create({ model: 'no-such-model', input: 'x' }), OpenAI.NotFoundError);
  await rejection(client().responses.create({ model: 'sim-model', input: 'x', background: true }), OpenAI.BadRequestError);
  await rejection(client().responses.create({ model: 'sim-model', input: 'x', previous_response_id: 'resp_nope' }),
    OpenAI.NotFoundError);

  const stream = await client().responses.create({ model: 'broken', input: 'x', stream: true });
  let text = '';
  await assert.rejects(
    async () => {
      for await (const event of stream) if (event.type === 'response.output_text.delta') text += event.delta;
    },
    (err) => {
      assert.ok(err instanceof OpenAI.APIError, `expected APIError, got ${err?.constructor?.name}: ${err?.message}`);
      return true;
    },
  );
  assert.equal(text, 'Hel', 'the events before the failure were delivered');
});
