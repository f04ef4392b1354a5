import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newProject, ok, fastband } from './helpers.mjs';

test('a whole agent session: start, check, lock, messages, status, claim, fix, release', async t => {
  const project = newProject(t);
  const created = fastband(project, 'lead', 'issue', 'new', '--title', 'Login fails on empty password', '--id', 'issue_001', '--severity', 'high');
  assert.equal(created.code, 0, created.stderr);
  const alice = await connect(t, project, 'alice');
  const bob = await connect(t, project, 'bob');

  const start = await ok(alice, 'start', { ticket: 'issue_001' });
  assert.equal(start.agent.name, 'alice');
  assert.equal(start.permission.allowed, true);
  assert.deepEqual(start.directive.activeHolds, []);
  assert.deepEqual(start.unreadMessages, []);
  assert.deepEqual(start.locks, []);
  assert.deepEqual(start.claims, []);
  await ok(bob, 'start');

  const check = await ok(alice, 'check_clearance', { ticket: 'issue_001' });
  assert.equal(check.allowed, true);

  const lock = await ok(alice, 'lock_acquire', { paths: ['src/login.cs'], reason: 'fixing issue_001', ticket: 'issue_001' });
  assert.equal(lock.granted, true);
  assert.equal(lock.lease.agent, 'alice');
  assert.equal(lock.lease.processId, alice.pid, 'the lease belongs to the server process');
  const taken = await bob.call('lock_acquire', { paths: ['src/login.cs'] });
  assert.equal(taken.isError, true);
  assert.equal(taken.data.exitCode, 3);
  assert.equal(taken.data.conflicts[0].agent, 'alice');
  const conflicts = await ok(bob, 'lock_check', { paths: ['src/login.cs'] });
  assert.equal(conflicts.items.length, 1);

  const sent = await ok(bob, 'msg_send', { to: 'alice', message: 'ping me when login.cs is free', kind: 'question' });
  assert.equal(sent.recipient, 'alice');
  const inbox = await ok(alice, 'msg_read');
  assert.equal(inbox.items.length, 1);
  assert.equal(inbox.items[0].body, 'ping me when login.cs is free');
  const acked = await ok(alice, 'msg_ack', { ids: [inbox.items[0].id] });
  assert.deepEqual(acked.acknowledged, [inbox.items[0].id]);
  assert.equal((await ok(alice, 'msg_read')).items.length, 0);
  const unknown = await alice.call('msg_send', { to: 'nobody', message: 'hello' });
  assert.equal(unknown.isError, true);
  assert.equal(unknown.data.exitCode, 4);
  assert.ok(unknown.data.error.id.length > 0);

  const status = await ok(alice, 'status_set', { status: 'in_progress', ticket: 'issue_001', files: ['src/login.cs'], note: 'on it' });
  assert.equal(status.status, 'in_progress');
  const board = await ok(bob, 'board');
  assert.equal(board.agents.find(a => a.name === 'alice').status, 'in_progress');
  assert.equal(board.activeLocks.length, 1);

  const ready = await ok(alice, 'issues_ready');
  assert.deepEqual(ready.items.map(i => i.id), ['issue_001']);
  const claim = await ok(alice, 'issue_claim', { id: 'issue_001' });
  assert.equal(claim.assignedTo, 'alice');
  const lost = await bob.call('issue_claim', { id: 'issue_001' });
  assert.equal(lost.isError, true);
  assert.equal(lost.data.exitCode, 3);

  const again = await ok(alice, 'start');
  assert.deepEqual(again.claims.map(i => i.id), ['issue_001']);
  assert.equal(again.locks.length, 1);

  const fix = await ok(alice, 'fix_submit', { issue: 'issue_001', title: 'Reject empty passwords', approach: 'validate before hashing', files: ['src/login.cs'], tested: true, token: claim.claimToken });
  assert.equal(fix.issueId, 'issue_001');
  assert.equal(fix.status, 'proposed');

  const released = await ok(alice, 'lock_release', { lease: lock.lease.leaseId });
  assert.ok(released.message.length > 0);
  assert.equal((await ok(bob, 'lock_check', { paths: ['src/login.cs'] })).items.length, 0);

  const entry = await ok(alice, 'ops_write', { type: 'ticket_completed', message: 'issue_001 fixed', ticket: 'issue_001', metadata: { fix: fix.id } });
  assert.equal(entry.eventType, 'ticket_completed');
  assert.equal(entry.metadata.fix, fix.id);
  const log = await ok(bob, 'ops_read', { types: ['ticket_completed'] });
  assert.equal(log.items.length, 1);
});

test('a clean disconnect releases the server\'s leases and its heartbeat', async t => {
  const project = newProject(t);
  const alice = await connect(t, project, 'alice');
  const bob = await connect(t, project, 'bob');
  await ok(alice, 'lock_acquire', { paths: ['docs/'] });
  assert.equal((await ok(bob, 'lock_check', { paths: ['docs/readme.md'] })).items.length, 1);
  await alice.close(); // stdin closed: the server gives back what it holds, then exits
  assert.equal((await ok(bob, 'lock_check', { paths: ['docs/readme.md'] })).items.length, 0);
  // Heartbeats: alice's server started beating when it started and stopped when it was closed; bob's still beats.
  const events = fastband(project, 'bob', '--json', 'events', 'read');
  assert.equal(events.code, 0, events.stderr);
  const said = JSON.parse(events.stdout).map(e => e.content ?? e.message ?? JSON.stringify(e)).join('\n');
  assert.match(said, /alice \(agent\) started sending heartbeats/);
  assert.match(said, /alice stopped sending heartbeats/);
  assert.doesNotMatch(said, /bob stopped sending heartbeats/);
});
