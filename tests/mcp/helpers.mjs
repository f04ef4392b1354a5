// Shared by the MCP tests: a scratch project, the published CLI, and an MCP client of the official TypeScript SDK
// connected to `fastband mcp` over stdio, given its identity the way a client config does (args and env).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
// run.sh builds it first with `./fastband --help`; FASTBAND_CLI points elsewhere (a published copy) when set.
export const cli = process.env.FASTBAND_CLI ?? path.join(repo, '.build', 'cli', 'fastband');

// Only what a client passes anyway (the transport adds HOME, PATH, ...), plus DOTNET_ROOT where dotnet is not in a default place.
function baseEnv(extra) {
  const env = { ...extra };
  if (process.env.DOTNET_ROOT) env.DOTNET_ROOT = process.env.DOTNET_ROOT;
  return env;
}

/** A scratch project made the way a user makes one: `fastband init` (the server refuses a folder without a store). */
export function newProject(t, { init = true } = {}) {
  const root = mkdtempSync(path.join(tmpdir(), 'fastband-mcp-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  if (init) {
    const r = fastband(root, 'lead', 'init');
    if (r.code !== 0) throw new Error(`fastband init failed: ${r.stderr}`);
  }
  return root;
}

/** Runs the CLI once (setup a test needs that no agent tool offers, such as creating an issue). */
export function fastband(project, agent, ...args) {
  const env = { ...process.env, FASTBAND_PROJECT: project };
  delete env.FASTBAND_AGENT; delete env.AGENT_ID;
  const r = spawnSync(cli, ['--agent', agent, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `fastband mcp` for an agent and connects a Client to it. The agent is named in args (as examples/mcp-client.json
 * does) or, with { agentFromEnv: true }, in the env block as FASTBAND_AGENT.
 */
export async function connect(t, project, agent, { role = 'agent', agentFromEnv = false } = {}) {
  const args = ['mcp'];
  if (!agentFromEnv) args.push('--agent', agent);
  if (role !== 'agent') args.push('--role', role);
  const env = baseEnv({ FASTBAND_PROJECT: project, ...(agentFromEnv ? { FASTBAND_AGENT: agent } : {}) });
  const transport = new StdioClientTransport({ command: cli, args, env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', chunk => { stderr += chunk; });
  const client = new Client({ name: 'fastband-mcp-tests', version: '1.0.0' });
  await client.connect(transport);
  const session = {
    client, transport, agent,
    get pid() { return transport.pid; },
    get stderr() { return stderr; },
    /** Calls a tool; returns { isError, text, data } with data the structured content. */
    async call(name, args = {}) {
      const r = await client.callTool({ name, arguments: args });
      return { isError: r.isError === true, text: r.content?.map(c => c.text).join('\n') ?? '', data: r.structuredContent, raw: r };
    },
    async close() { await client.close(); },
  };
  t.after(() => client.close().catch(() => {}));
  return session;
}

/** Calls a tool and fails the test, showing the result, unless it succeeded. */
export async function ok(session, name, args = {}) {
  const r = await session.call(name, args);
  if (r.isError) throw new Error(`${session.agent}: ${name} failed: ${r.text}\n${JSON.stringify(r.data)}\nstderr: ${session.stderr}`);
  return r.data;
}

/** Waits until the process is gone (kill -9 has no handshake). */
export async function waitForExit(pid, ms = 30000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try { process.kill(pid, 0); } catch { return; }
    await new Promise(r => setTimeout(r, 50));
  }
  throw new Error(`process ${pid} did not exit within ${ms} ms`);
}
