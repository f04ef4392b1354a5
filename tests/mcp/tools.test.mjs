import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { connect, newProject, ok, cli, fastband } from './helpers.mjs';

const agentTools = ['start', 'check_clearance', 'wait_clearance', 'ops_read', 'ops_write', 'request_clearance',
  'lock_acquire', 'lock_renew', 'lock_release', 'lock_check', 'msg_send', 'msg_read', 'msg_ack', 'status_set', 'board',
  'issues_ready', 'issue_claim', 'issue_release', 'fix_submit', 'checkpoint'];
const opsTools = ['hold', 'lift', 'clearance_grant', 'lock_break', 'fix_apply', 'fix_reject'];

test('an agent server lists the session tools and none of the ops tools', async t => {
  const alice = await connect(t, newProject(t), 'alice');
  const { tools } = await alice.client.listTools();
  assert.deepEqual(tools.map(x => x.name).sort(), [...agentTools].sort());
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, 'object', tool.name);
    assert.ok(tool.description.length > 20, tool.name);
  }
  assert.deepEqual(tools.find(x => x.name === 'lock_acquire').inputSchema.required, ['paths']);
  // An ops tool called anyway is refused by name, as bad usage.
  const r = await alice.call('hold', { reason: 'x' });
  assert.equal(r.isError, true);
  assert.equal(r.data.error.id, 'UnknownTool');
  assert.equal(r.data.exitCode, 2);
  assert.match(r.text, /--role ops/);
});

test('an ops server lists the ops tools as well', async t => {
  const oscar = await connect(t, newProject(t), 'oscar', { role: 'ops' });
  const { tools } = await oscar.client.listTools();
  assert.deepEqual(tools.map(x => x.name).sort(), [...agentTools, ...opsTools].sort());
});

test('the agent may come from the env block instead of args', async t => {
  const carol = await connect(t, newProject(t), 'carol', { agentFromEnv: true });
  const start = await ok(carol, 'start');
  assert.equal(start.agent.name, 'carol');
});

test('without an agent name the server refuses to start: exit 2, one sentence', t => {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, FASTBAND_PROJECT: newProject(t) };
  const r = spawnSync(cli, ['mcp'], { env, input: '', encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /FASTBAND_AGENT/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('in a folder without a store the server refuses to start: exit 4, run fastband init', t => {
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, FASTBAND_PROJECT: newProject(t, { init: false }) };
  const r = spawnSync(cli, ['mcp', '--agent', 'alice'], { env, input: '', encoding: 'utf8' });
  assert.equal(r.status, 4, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /fastband init/);
});

test('bad arguments are the CLI\'s invalid input: error.id, error.message, exitCode 2', async t => {
  const alice = await connect(t, newProject(t), 'alice');
  const missing = await alice.call('lock_acquire', {});
  assert.equal(missing.isError, true);
  assert.equal(missing.data.error.id, 'MissingArgument');
  assert.equal(missing.data.exitCode, 2);
  const badType = await alice.call('ops_write', { type: 'nonsense', message: 'x' });
  assert.equal(badType.data.error.id, 'InvalidEventType');
  assert.equal(badType.data.exitCode, 2);
  assert.equal(badType.text, badType.data.error.message);
});

test('the server entry `fastband init --wire claude` writes into .mcp.json starts a working server', async t => {
  const project = newProject(t, { init: false });
  const wired = fastband(project, 'alice', 'init', '--wire', 'claude');
  assert.equal(wired.code, 0, wired.stderr);
  const entry = JSON.parse(readFileSync(path.join(project, '.mcp.json'), 'utf8')).mcpServers.fastband;
  // Exactly as a client reads the entry: command, args, env (none here), started from another folder.
  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: entry.env ?? {}, cwd: tmpdir(), stderr: 'pipe' });
  const client = new Client({ name: 'fastband-mcp-tests', version: '1.0.0' });
  await client.connect(transport);
  t.after(() => client.close().catch(() => {}));
  const start = await client.callTool({ name: 'start', arguments: {} });
  assert.equal(start.isError ?? false, false);
  assert.equal(start.structuredContent.agent.name, 'alice');
});
