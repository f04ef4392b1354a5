import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newProject, ok, fastband } from './helpers.mjs';

test('the ops tools: break a lock (the holder is told), reject then apply a fix', async t => {
  const project = newProject(t);
  assert.equal(fastband(project, 'lead', 'issue', 'new', '--title', 'Slow query', '--id', 'issue_001').code, 0);
  const oscar = await connect(t, project, 'oscar', { role: 'ops' });
  const alice = await connect(t, project, 'alice');
  await ok(alice, 'start');

  const held = await ok(alice, 'lock_acquire', { paths: ['db/schema.sql'] });
  const broken = await ok(oscar, 'lock_break', { path: 'db/schema.sql', reason: 'alice is away; the migration needs it' });
  assert.ok(broken.message.length > 0);
  assert.equal((await ok(oscar, 'lock_check', { paths: ['db/schema.sql'] })).items.length, 0);
  const renew = await alice.call('lock_renew', { lease: held.lease.leaseId });
  assert.equal(renew.isError, true, 'a broken lease cannot be renewed');
  assert.equal(renew.data.exitCode, 3);
  const told = await ok(alice, 'msg_read');
  assert.ok(told.items.some(m => m.body.includes('broke your lease') && m.sender === 'oscar'), JSON.stringify(told.items));

  const claim = await ok(alice, 'issue_claim', { id: 'issue_001' });
  const first = await ok(alice, 'fix_submit', { issue: 'issue_001', title: 'Add an index', approach: 'index on created_at', token: claim.claimToken });
  const rejected = await ok(oscar, 'fix_reject', { id: first.id, reason: 'the index must be partial' });
  assert.equal(rejected.status, 'rejected');
  const second = await ok(alice, 'fix_submit', { issue: 'issue_001', title: 'Add a partial index', approach: 'index on created_at where open', tested: true });
  const applied = await ok(oscar, 'fix_apply', { id: second.id });
  assert.equal(applied.status, 'applied');
  assert.deepEqual(applied.verifiedBy, ['oscar']);
  const shown = JSON.parse(fastband(project, 'lead', '--json', 'issue', 'show', 'issue_001').stdout);
  assert.equal(shown.status, 'resolved');
});
