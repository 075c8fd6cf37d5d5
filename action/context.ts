import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { UsageError } from '../core/errors.js';
import type { CreateIssues } from './inputs.js';

/** What the runner tells the action about the run, read from its environment (no globals). */
export interface RunnerContext {
  eventName: string;
  owner: string;
  repo: string;
  ref: string;
  defaultBranch: string | null;
  /** A pull request whose head lives in another repository (a fork): the runner gives it no secrets. */
  fromFork: boolean;
  apiUrl: string;
  runnerTemp: string;
  workspace: string;
  runUrl: string | null;
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target', 'pull_request_review']);

export function isPullRequestEvent(eventName: string): boolean {
  return PULL_REQUEST_EVENTS.has(eventName);
}

export function readRunnerContext(env: NodeJS.ProcessEnv): RunnerContext {
  const repository = env.GITHUB_REPOSITORY ?? '';
  const [owner, repo, ...rest] = repository.split('/');
  if (!owner || !repo || rest.length > 0) {
    throw new UsageError(
      `GITHUB_REPOSITORY "${repository}" is not owner/name: run this inside GitHub Actions`,
    );
  }
  const payload = readEventPayload(env.GITHUB_EVENT_PATH);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const headRepo = payload.pull_request?.head?.repo?.full_name;
  const baseRepo = payload.pull_request?.base?.repo?.full_name ?? repository;
  const serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com';
  return {
    eventName,
    owner,
    repo,
    ref: env.GITHUB_REF ?? '',
    defaultBranch: payload.repository?.default_branch ?? null,
    fromFork: isPullRequestEvent(eventName) && headRepo !== undefined && headRepo !== baseRepo,
    apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com',
    runnerTemp: env.RUNNER_TEMP ?? env.TMPDIR ?? '/tmp',
    workspace: env.GITHUB_WORKSPACE ?? process.cwd(),
    runUrl: env.GITHUB_RUN_ID ? `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}` : null,
  };
}

/** A field of the payload the run reads, or undefined when it is missing or not what GitHub documents. */
const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
const repositoryName = lenient(z.object({ full_name: lenient(z.string()) }));

/** The fields of the event payload the run reads; the rest of GitHub's payload is not looked at. */
const eventPayloadSchema = z.object({
  repository: lenient(z.object({ default_branch: lenient(z.string()) })),
  pull_request: lenient(
    z.object({
      head: lenient(z.object({ repo: repositoryName })),
      base: lenient(z.object({ repo: repositoryName })),
    }),
  ),
});
type EventPayload = z.infer<typeof eventPayloadSchema>;

function readEventPayload(path: string | undefined): EventPayload {
  if (!path) return {};
  let payload: unknown;
  try {
    payload = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UsageError(`GITHUB_EVENT_PATH ${path}: cannot read the event payload as JSON`);
  }
  const parsed = eventPayloadSchema.safeParse(payload);
  if (!parsed.success)
    throw new UsageError(`GITHUB_EVENT_PATH ${path}: the event payload is not a JSON object`);
  return parsed.data;
}

/**
 * Whether this run may file issues. `auto` files on a schedule, a manual dispatch and a push to the default
 * branch. A pull request never files, whatever the input says: its code is not yet reviewed, and the same
 * findings would be filed by every open pull request.
 */
export function issueFiling(mode: CreateIssues, context: RunnerContext): { file: boolean; why: string } {
  if (isPullRequestEvent(context.eventName)) {
    return { file: false, why: `issues are never filed from a ${context.eventName} event` };
  }
  if (mode === 'false') return { file: false, why: 'create-issues is false' };
  if (mode === 'true') return { file: true, why: 'create-issues is true' };
  if (context.eventName === 'schedule' || context.eventName === 'workflow_dispatch') {
    return { file: true, why: `create-issues is auto and this is a ${context.eventName} run` };
  }
  const onDefaultBranch =
    context.defaultBranch !== null && context.ref === `refs/heads/${context.defaultBranch}`;
  if (context.eventName === 'push' && onDefaultBranch) {
    return { file: true, why: 'create-issues is auto and this is a push to the default branch' };
  }
  return {
    file: false,
    why: `create-issues is auto: issues are filed on schedule, workflow_dispatch and pushes to the default branch, not on ${context.eventName || 'this event'}${context.eventName === 'push' ? ` to ${context.ref}` : ''}`,
  };
}
