import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newProject, ok, fastband } from './helpers.mjs';

test('a hold blocks claims and locks with a readable result; after lift they pass', async t => {
  const project = newProject(t);
  assert.equal(fastband(project, 'lead', 'issue', 'new', '--title', 'Flaky deploy', '--id', 'issue_001').code, 0);
  const oscar = await connect(t, project, 'oscar', { role: 'ops' });
  const alice = await connect(t, project, 'alice');
  await ok(alice, 'start');

  const hold = await ok(oscar, 'hold', { reason: 'database migration in progress' });
  assert.ok(hold.id > 0);

  const claim = await alice.call('issue_claim', { id: 'issue_001' });
  assert.equal(claim.isError, true);
  assert.equal(claim.data.exitCode, 3);
  assert.equal(claim.data.error.id, 'HoldInForce');
  assert.match(claim.text, /oscar/);
  assert.match(claim.text, /database migration in progress/);
  assert.match(claim.text, /wait_clearance/);
  assert.match(claim.text, /request_clearance/);
  assert.equal(claim.data.permission.allowed, false);
  assert.equal(claim.data.permission.blockingHolds[0].issuedBy, 'oscar');
  assert.deepEqual(claim.data.next, ['wait_clearance', 'request_clearance']);

  const lock = await alice.call('lock_acquire', { paths: ['src/deploy.sh'] });
  assert.equal(lock.isError, true);
  assert.equal(lock.data.error.id, 'HoldInForce');
  assert.match(lock.text, /oscar/);

  const work = await alice.call('ops_write', { type: 'ticket_claimed', message: 'starting', ticket: 'issue_001' });
  assert.equal(work.data.error?.id, 'HoldInForce');

  // Reads, messages and asking for clearance are never blocked.
  assert.equal((await ok(alice, 'check_clearance')).allowed, false);
  assert.equal((await ok(alice, 'lock_check', { paths: ['src/deploy.sh'] })).items.length, 0);
  await ok(alice, 'ops_write', { type: 'general', message: 'waiting for the migration' });
  await ok(alice, 'msg_send', { to: 'oscar', message: 'how long?' });
  await ok(alice, 'request_clearance', { tickets: ['issue_001'], reason: 'urgent hotfix' });
  const waited = await alice.call('wait_clearance', { timeout: '1s' });
  assert.equal(waited.isError, true);
  assert.equal(waited.data.exitCode, 3);
  assert.equal(waited.data.allowed, false);

  // Nothing was claimed or locked while held.
  assert.equal((await ok(oscar, 'issues_ready')).items.length, 1);
  assert.equal((await ok(oscar, 'board')).activeLocks.length, 0);

  await ok(oscar, 'lift', { reason: 'migration done' });
  assert.equal((await ok(alice, 'wait_clearance', { timeout: '5s' })).allowed, true);
  assert.equal((await ok(alice, 'issue_claim', { id: 'issue_001' })).assignedTo, 'alice');
  assert.equal((await ok(alice, 'lock_acquire', { paths: ['src/deploy.sh'] })).granted, true);
});

test('a clearance lets the cleared agent through the filter for its ticket only', async t => {
  const project = newProject(t);
  assert.equal(fastband(project, 'lead', 'issue', 'new', '--title', 'A', '--id', 'issue_001').code, 0);
  assert.equal(fastband(project, 'lead', 'issue', 'new', '--title', 'B', '--id', 'issue_002').code, 0);
  const oscar = await connect(t, project, 'oscar', { role: 'ops' });
  const alice = await connect(t, project, 'alice');
  await ok(alice, 'start');
  await ok(oscar, 'hold', { reason: 'freeze' });
  await ok(oscar, 'clearance_grant', { to: ['alice'], tickets: ['issue_001'], reason: 'hotfix' });
  assert.equal((await ok(alice, 'issue_claim', { id: 'issue_001' })).assignedTo, 'alice');
  const other = await alice.call('issue_claim', { id: 'issue_002' });
  assert.equal(other.data.error?.id, 'HoldInForce');
});
