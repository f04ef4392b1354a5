import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, newProject, ok, waitForExit } from './helpers.mjs';

// Both calls are sent before either answers; the window [sent, answered] of each must overlap the other's.
async function race(a, b, args) {
  const timed = async s => { const sent = performance.now(); const r = await s.call('lock_acquire', args); return { r, sent, done: performance.now() }; };
  const [x, y] = await Promise.all([timed(a), timed(b)]);
  return { results: [x.r, y.r], overlapped: Math.max(x.sent, y.sent) < Math.min(x.done, y.done) };
}

test('two servers race for one lock: exactly one wins, every round', async t => {
  const project = newProject(t);
  const alice = await connect(t, project, 'alice');
  const bob = await connect(t, project, 'bob');
  for (let round = 0; round < 10; round++) {
    const { results, overlapped } = await race(alice, bob, { paths: [`src/file${round}.cs`] });
    assert.ok(overlapped, `round ${round}: the two requests were not in flight together`);
    const winners = results.filter(r => !r.isError && r.data.granted);
    const losers = results.filter(r => r.isError);
    assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(results.map(r => r.text))}`);
    assert.equal(losers.length, 1);
    assert.equal(losers[0].data.exitCode, 3);
    assert.equal(losers[0].data.conflicts[0].agent, winners[0].data.lease.agent);
  }
});

test('negative control: the same race for a shared lock has two winners', async t => {
  const project = newProject(t);
  const alice = await connect(t, project, 'alice');
  const bob = await connect(t, project, 'bob');
  const { results, overlapped } = await race(alice, bob, { paths: ['src/shared.cs'], shared: true });
  assert.ok(overlapped);
  assert.equal(results.filter(r => !r.isError && r.data.granted).length, 2);
});

test('a server killed with SIGKILL leaves a lease the other takes at once', async t => {
  const project = newProject(t);
  const alice = await connect(t, project, 'alice');
  const bob = await connect(t, project, 'bob');
  const held = await ok(alice, 'lock_acquire', { paths: ['src/core.cs'], ttl: '1h' });
  assert.equal((await bob.call('lock_acquire', { paths: ['src/core.cs'] })).isError, true, 'negative control: taken while alice lives');
  const pid = alice.pid;
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid);
  const taken = await ok(bob, 'lock_acquire', { paths: ['src/core.cs'] }); // no wait: the dead owner's lease is reclaimed in the same call
  assert.equal(taken.granted, true);
  assert.equal(taken.reclaimed[0].lease.leaseId, held.lease.leaseId);
});
