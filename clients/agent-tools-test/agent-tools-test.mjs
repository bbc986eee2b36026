// The real agent tools, unchanged but for base URL and key, against Tollgate's /v1/responses:
// the OpenAI Agents SDK, the Vercel AI SDK's default OpenAI provider and the Codex CLI.
// Run by gateway/src/test/java/dev/tollgate/it/AgentToolsIT.java, which starts the gateway with its test
// config and stubs the OpenAI-compatible WireMock upstream behind model `backup` as a scripted model:
// it calls get_weather when offered, answers "It is 18C and sunny in Paris." once the tool's result is
// in, and {"city":"Paris","celsius":18} when asked for JSON. Telemetry and update checks are off; all
// traffic stays on loopback.
//   TOLLGATE_BASE_URL=http://127.0.0.1:PORT/v1 TOLLGATE_KEY=... OPENAI_DEFAULT_MODEL=backup node --test agent-tools-test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import OpenAI from 'openai';
import { Agent, run, tool, setDefaultOpenAIClient, setTracingDisabled } from '@openai/agents';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText, generateObject, tool as aiTool, stepCountIs } from 'ai';

const baseURL = requiredEnv('TOLLGATE_BASE_URL');
const KEY = requiredEnv('TOLLGATE_KEY');
const MODEL = requiredEnv('OPENAI_DEFAULT_MODEL');
const ANSWER = 'It is 18C and sunny in Paris.';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

const weather = z.object({ city: z.string(), celsius: z.number() });

// ------------------------------------------------------------------ OpenAI Agents SDK

setTracingDisabled(true);
setDefaultOpenAIClient(new OpenAI({ baseURL, apiKey: KEY, maxRetries: 0 }));

const calls = [];
const getWeather = tool({
  name: 'get_weather',
  description: 'Current weather in a city',
  parameters: z.object({ city: z.string() }),
  execute: async ({ city }) => {
    calls.push(city);
    return `18C and sunny in ${city}`;
  },
});

// No model named: the SDK's default (the OpenAI Responses model, named by OPENAI_DEFAULT_MODEL).
const weatherAgent = new Agent({ name: 'Weather', instructions: 'Answer weather questions.', tools: [getWeather] });

test('agents: an agent calls a function tool and answers', async () => {
  calls.length = 0;
  const result = await run(weatherAgent, 'Weather in Paris?');
  assert.equal(result.finalOutput, ANSWER);
  assert.deepEqual(calls, ['Paris']);
});

test('agents: the same agent streamed', async () => {
  calls.length = 0;
  const result = await run(weatherAgent, 'Weather in Paris?', { stream: true });
  let text = '';
  for await (const event of result.toTextStream()) text += event;
  await result.completed;
  assert.equal(result.finalOutput, ANSWER);
  assert.equal(text, ANSWER);
  assert.deepEqual(calls, ['Paris']);
});

test('agents: structured output', async () => {
  const typed = new Agent({ name: 'Typed', instructions: 'Reply as JSON.', outputType: weather });
  const result = await run(typed, 'Weather in Paris as JSON?');
  assert.deepEqual(result.finalOutput, { city: 'Paris', celsius: 18 });
});

// ------------------------------------------------------------------ Vercel AI SDK, default OpenAI provider

const openai = createOpenAI({ baseURL, apiKey: KEY });

test('ai-sdk: generateText and streamText', async () => {
  const { text } = await generateText({ model: openai(MODEL), prompt: 'Say something' });
  assert.equal(text, ANSWER);
  const streamed = streamText({ model: openai(MODEL), prompt: 'Say something' });
  let chunks = '';
  for await (const part of streamed.textStream) chunks += part;
  assert.equal(chunks, ANSWER);
});

test('ai-sdk: tools over several steps', async () => {
  const cities = [];
  const result = await generateText({
    model: openai(MODEL),
    prompt: 'Weather in Paris?',
    tools: {
      get_weather: aiTool({
        description: 'Current weather in a city',
        inputSchema: z.object({ city: z.string() }),
        execute: async ({ city }) => {
          cities.push(city);
          return `18C and sunny in ${city}`;
        },
      }),
    },
    stopWhen: stepCountIs(3),
  });
  assert.deepEqual(cities, ['Paris']);
  assert.equal(result.text, ANSWER);
});

test('ai-sdk: generateObject', async () => {
  const { object } = await generateObject({ model: openai(MODEL), schema: weather, prompt: 'Weather in Paris as JSON?' });
  assert.deepEqual(object, { city: 'Paris', celsius: 18 });
});

// ------------------------------------------------------------------ Codex CLI

test('codex: codex exec against a custom provider pointed at Tollgate', async () => {
  const home = await mkdtemp(join(tmpdir(), 'codex-home-'));
  await writeFile(join(home, 'config.toml'), [
    `model = "${MODEL}"`,
    'model_provider = "tollgate"',
    'check_for_update_on_startup = false',
    '[analytics]',
    'enabled = false',
    '[feedback]',
    'enabled = false',
    '[model_providers.tollgate]',
    'name = "Tollgate"',
    `base_url = "${baseURL}"`,
    'env_key = "TOLLGATE_KEY"',
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n'));
  const last = join(home, 'last-message.txt');
  const { code, output } = await runCommand(join('node_modules', '.bin', 'codex'),
    ['exec', '--skip-git-repo-check', '--sandbox', 'read-only', '--output-last-message', last, 'Say something'],
    { ...process.env, CODEX_HOME: home, TOLLGATE_KEY: KEY, NO_COLOR: '1' });
  assert.equal(code, 0, output);
  assert.equal((await readFile(last, 'utf8')).trim(), ANSWER);
});

function runCommand(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
