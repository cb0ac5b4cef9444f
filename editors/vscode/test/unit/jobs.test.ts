import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JobEnded } from '../../src/contract';
import { JobTracker, describeJob, followUpTarget, type EndedJob, type Job } from '../../src/jobs';

const range = { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } };

function job(jobId: string): Job {
  return { jobId, action: 'refactor', bot: 'Code', uri: 'file:///m.py', range };
}

function ended(jobId: string, outcome: JobEnded['outcome'] = 'done'): JobEnded {
  return { jobId, action: 'refactor', uri: 'file:///m.py', targetUri: 'file:///m.py', outcome, message: '', edits: 2, explanation: null, text: null };
}

test('a job runs from its start to its end', () => {
  const tracker = new JobTracker();
  const changes: number[] = [];
  const ends: EndedJob[] = [];
  tracker.onDidChange((jobs) => changes.push(jobs.length));
  tracker.onDidEnd((end) => ends.push(end));
  tracker.start(job('refactor-1'));
  tracker.start(job('refactor-2'));
  tracker.end(ended('refactor-1'));
  assert.deepEqual(tracker.jobs.map((j) => j.jobId), ['refactor-2']);
  assert.deepEqual(changes, [1, 2, 1]);
  assert.equal(ends[0]?.job?.bot, 'Code');
});

test('an end that comes before its start is reported at once, and the start ignored', () => {
  const tracker = new JobTracker();
  const ends: EndedJob[] = [];
  tracker.onDidEnd((end) => ends.push(end));
  tracker.end(ended('ask-1', 'failed'));
  tracker.start(job('ask-1'));
  assert.equal(tracker.jobs.length, 0);
  assert.equal(ends.length, 1);
  assert.equal(ends[0]?.job, undefined);
});

test('clear forgets every job (the server stopped)', () => {
  const tracker = new JobTracker();
  tracker.start(job('refactor-1'));
  const subscription = tracker.onDidChange((jobs) => {
    assert.equal(jobs.length, 0);
  });
  tracker.clear();
  subscription.dispose();
  assert.equal(tracker.jobs.length, 0);
});

test('finished jobs are kept, newest first, until the server stops', () => {
  const tracker = new JobTracker();
  tracker.start(job('refactor-1'));
  tracker.end(ended('refactor-1'));
  tracker.end(ended('explain-2', 'failed'));
  assert.deepEqual(tracker.finished.map((end) => end.event.jobId), ['explain-2', 'refactor-1']);
  assert.equal(describeJob(tracker.finished[1] ?? assert.fail()), 'Refactor with Code on m.py (done)');
  assert.equal(describeJob(tracker.finished[0] ?? assert.fail()), 'Refactor on m.py (failed)');
  tracker.clear();
  assert.deepEqual(tracker.finished, []);
});

test('a follow-up goes to the finished job at the cursor, else the last finished one', () => {
  const tracker = new JobTracker();
  const far = { ...job('refactor-1'), range: { start: { line: 10, character: 0 }, end: { line: 12, character: 0 } } };
  tracker.start(far);
  tracker.end(ended('refactor-1'));
  tracker.start(job('refactor-2'));
  tracker.end(ended('refactor-2'));
  tracker.end(ended('refactor-3', 'cancelled'));
  assert.equal(followUpTarget(tracker.finished, 'file:///m.py', 11)?.event.jobId, 'refactor-1');
  assert.equal(followUpTarget(tracker.finished, 'file:///m.py', 5)?.event.jobId, 'refactor-2');
  assert.equal(followUpTarget(tracker.finished)?.event.jobId, 'refactor-2');
  assert.equal(followUpTarget([]), undefined);
});
