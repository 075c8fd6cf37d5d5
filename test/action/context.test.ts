import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueFiling, type RunnerContext, readRunnerContext } from '../../action/context.js';

const base: RunnerContext = {
  eventName: 'schedule',
  owner: 'acme',
  repo: 'infra',
  ref: 'refs/heads/main',
  defaultBranch: 'main',
  fromFork: false,
  apiUrl: 'https://api.github.com',
  runnerTemp: '/tmp',
  workspace: '/tmp',
  runUrl: null,
};

describe('issueFiling', () => {
  it.each([
    ['schedule', 'refs/heads/main', true],
    ['workflow_dispatch', 'refs/heads/feature', true],
    ['push', 'refs/heads/main', true],
    ['push', 'refs/heads/feature', false],
    ['pull_request', 'refs/pull/1/merge', false],
    ['pull_request_target', 'refs/heads/main', false],
  ])('with auto on %s to %s files issues: %s', (eventName, ref, expected) => {
    expect(issueFiling('auto', { ...base, eventName, ref }).file).toBe(expected);
  });

  it('never files from a pull request, even when create-issues is true', () => {
    const decision = issueFiling('true', { ...base, eventName: 'pull_request' });
    expect(decision).toEqual({ file: false, why: 'issues are never filed from a pull_request event' });
  });

  it('files nothing when create-issues is false', () => {
    expect(issueFiling('false', base).file).toBe(false);
  });
});

describe('readRunnerContext', () => {
  it('recognises a pull request from a fork by its head repository', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'kw-event-'));
    const eventPath = join(dir, 'event.json');
    writeFileSync(
      eventPath,
      JSON.stringify({
        repository: { default_branch: 'main' },
        pull_request: {
          head: { repo: { full_name: 'someone/infra' } },
          base: { repo: { full_name: 'acme/infra' } },
        },
      }),
    );
    // Act
    const context = readRunnerContext({
      GITHUB_REPOSITORY: 'acme/infra',
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
    });
    // Assess
    expect(context).toMatchObject({ owner: 'acme', repo: 'infra', fromFork: true, defaultBranch: 'main' });
  });

  it('reads a field GitHub sent in another shape as missing, and refuses a payload that is no object', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'kw-event-'));
    const odd = join(dir, 'odd.json');
    writeFileSync(odd, JSON.stringify({ repository: { default_branch: 7 }, pull_request: 'x' }));
    const array = join(dir, 'array.json');
    writeFileSync(array, '[]');
    const env = { GITHUB_REPOSITORY: 'acme/infra', GITHUB_EVENT_NAME: 'pull_request' };

    // Act
    const context = readRunnerContext({ ...env, GITHUB_EVENT_PATH: odd });

    // Assess
    expect(context).toMatchObject({ defaultBranch: null, fromFork: false });
    expect(() => readRunnerContext({ ...env, GITHUB_EVENT_PATH: array })).toThrow(
      `GITHUB_EVENT_PATH ${array}: the event payload is not a JSON object`,
    );
  });

  it('throws when GITHUB_REPOSITORY is not owner/name', () => {
    expect(() => readRunnerContext({ GITHUB_REPOSITORY: 'nope' })).toThrow(/GITHUB_REPOSITORY "nope"/);
  });
});
