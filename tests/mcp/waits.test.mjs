import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { connect, newProject, ok, waitForExit } from './helpers.mjs';

test('a waiting call does not stop the other tools: board answers while wait_clearance waits', async t => {
  const project = newProject(t);
  const oscar = await connect(t, project, 'oscar', { role: 'ops' });
  const alice = await connect(t, project, 'alice');
  await ok(alice, 'start');
  await ok(oscar, 'hold', { reason: 'freeze' });
  const sent = performance.now();
  const waiting = alice.call('wait_clearance', { timeout: '10s' });
  await new Promise(r => setTimeout(r, 300)); // the wait is under way
  const board = await ok(alice, 'board');
  const boardAnswered = performance.now();
  const waited = await waiting;
  const waitAnswered = performance.now();
  assert.ok(board.agents.length >= 1);
  assert.ok(boardAnswered < waitAnswered, 'board answered before the wait ended');
  assert.equal(waited.isError, true, 'still held at the timeout');
  assert.ok(waitAnswered - sent >= 9500, 'the wait really waited');
});

test('wait_clearance returns as soon as the hold is lifted', async t => {
  const project = newProject(t);
  const oscar = await connect(t, project, 'oscar', { role: 'ops' });
  const alice = await connect(t, project, 'alice');
  await ok(alice, 'start');
  await ok(oscar, 'hold', { reason: 'freeze' });
  const waiting = alice.call('wait_clearance', { timeout: '60s' });
  await new Promise(r => setTimeout(r, 500));
  await ok(oscar, 'lift', { reason: 'done' });
  const r = await waiting;
  assert.equal(r.isError, false, r.text);
  assert.equal(r.data.allowed, true);
});

test('lock_acquire with a wait queues and is granted when the holder releases', async t => {
  const project = newProject(t);
  const alice = await connect(t, project, 'alice');
  const bob = await connect(t, project, 'bob');
  const held = await ok(alice, 'lock_acquire', { paths: ['src/q.cs'] });
  const queued = bob.call('lock_acquire', { paths: ['src/q.cs'], wait: '60s' });
  await new Promise(r => setTimeout(r, 500));
  await ok(alice, 'lock_release', { lease: held.lease.leaseId });
  const r = await queued;
  assert.equal(r.isError, false, r.text);
  assert.equal(r.data.lease.agent, 'bob');
  const tooLong = await bob.call('lock_acquire', { paths: ['src/r.cs'], wait: '1h' });
  assert.equal(tooLong.data.error.id, 'WaitTooLong');
});

test('SIGTERM is a clean exit: the leases are released', async t => {
  const project = newProject(t);
  const alice = await connect(t, project, 'alice');
  const bob = await connect(t, project, 'bob');
  await ok(alice, 'lock_acquire', { paths: ['src/t.cs'] });
  const pid = alice.pid;
  process.kill(pid, 'SIGTERM');
  await waitForExit(pid);
  assert.match(alice.stderr, /released lease-/);
  assert.equal((await ok(bob, 'lock_check', { paths: ['src/t.cs'] })).items.length, 0);
});

test('checkpoint commits and tags the work, and a hold blocks it and fix_submit', async t => {
  const project = newProject(t);
  const git = (...args) => execFileSync('git', ['-C', project, ...args], { encoding: 'utf8' });
  git('init', '-q');
  git('config', 'user.email', 'test@example.com');
  git('config', 'user.name', 'Test');
  writeFileSync(path.join(project, 'a.txt'), 'one\n');
  const alice = await connect(t, project, 'alice');
  const oscar = await connect(t, project, 'oscar', { role: 'ops' });
  const cp = await ok(alice, 'checkpoint', { name: 'first', description: 'before the refactor' });
  assert.equal(cp.name, 'first');
  assert.equal(cp.tag, 'checkpoint-first');
  assert.match(git('tag'), /checkpoint-first/);

  await ok(oscar, 'hold', { reason: 'release freeze' });
  writeFileSync(path.join(project, 'a.txt'), 'two\n');
  const blocked = await alice.call('checkpoint', { name: 'second' });
  assert.equal(blocked.data.error?.id, 'HoldInForce');
  assert.doesNotMatch(git('tag'), /checkpoint-second/);
  const fix = await alice.call('fix_submit', { issue: 'issue_001', title: 't', approach: 'a' });
  assert.equal(fix.data.error?.id, 'HoldInForce', 'the filter answers before Core looks for the issue');
  await ok(oscar, 'lift');
  assert.equal((await ok(alice, 'checkpoint', { name: 'second' })).tag, 'checkpoint-second');
});
