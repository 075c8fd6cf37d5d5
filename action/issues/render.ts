import { createHash } from 'node:crypto';
import {
  consumersHeadline,
  consumersMarkdownTable,
  type OldKeyConsumers,
} from '../../core/consumers/sighting.js';
import { isRootKey, type UserRecord } from '../../core/inventory/records.js';
import { controlsShort, frameworkLegend } from '../../core/policy/controls/index.js';
import { part11Meaning } from '../../core/policy/controls/part11.js';
import { overdueSince, remediation } from '../../core/policy/evaluate.js';
import type { Policy } from '../../core/policy/schema.js';
import type { ControlRef, Finding } from '../../core/policy/verdicts.js';
import { escapeMarkdown, maskKeyId } from '../../core/report/markdown.js';
import { shellWord, visible } from '../../core/text.js';
import { fingerprint } from './fingerprint.js';

/** The issue one (account, IAM user) with a violation should have. */
export interface DesiredIssue {
  fingerprint: string;
  account: string;
  user: string;
  title: string;
  body: string;
  /** Hash of what matters in the body; ages grow daily and are left out so an unchanged issue is not rewritten. */
  digest: string;
}

export const FINGERPRINT_MARKER = /<!-- keywarden:fingerprint=([^\s>]+) -->/;
export const DIGEST_MARKER = /<!-- keywarden:digest=([0-9a-f]+) -->/;

/** Tags that name a person or team responsible for an IAM user, most specific first. */
export const OWNER_TAGS = ['keywarden:owner', 'owner', 'Owner', 'team', 'Team', 'contact', 'Contact'];

export function ownerHint(user: UserRecord | undefined): { tag: string; value: string } | null {
  for (const tag of OWNER_TAGS) {
    const value = user?.tags?.[tag];
    if (value?.trim()) return { tag, value };
  }
  return null;
}

export interface RenderOptions {
  policy: Policy;
  asOf: Date;
  maskKeyIds: boolean;
  users: readonly UserRecord[];
  /** Who still uses a violating key after its replacement, by key ID (action/issues/consumers.ts). */
  consumers?: ReadonlyMap<string, OldKeyConsumers> | undefined;
}

/** One desired issue per (account, user) with at least one violation, worst first. */
export function desiredIssues(findings: readonly Finding[], options: RenderOptions): DesiredIssue[] {
  const byUser = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (finding.severity !== 'violation') continue;
    const key = `${finding.account}\n${finding.user}`;
    byUser.set(key, [...(byUser.get(key) ?? []), finding]);
  }
  const users = new Map(options.users.map((user) => [`${user.account}\n${user.user}`, user]));
  return [...byUser.entries()].map(([key, violations]) => renderIssue(violations, users.get(key), options));
}

export function renderIssue(
  violations: readonly Finding[],
  user: UserRecord | undefined,
  options: RenderOptions,
): DesiredIssue {
  const first = violations[0];
  if (!first) throw new Error('renderIssue needs at least one violation');
  const { account, user: name } = first;
  const { policy, maskKeyIds } = options;
  const id = fingerprint(account, name);
  const owner = ownerHint(user);
  const shownUser = escapeMarkdown(name);
  const keys = violations.map((finding) => ({
    slot: finding.keySlot,
    key: maskKeyId(finding.accessKeyId, maskKeyIds),
    status: finding.status,
    created: finding.createdAt.toISOString().slice(0, 10),
    // A root key is a violation from the day it was created; IAM does not date AWS's quarantine.
    overdueSince:
      finding.verdict === 'compromised'
        ? '—'
        : (isRootKey(finding) ? finding.createdAt : overdueSince(finding.createdAt, policy.maxKeyAgeDays))
            .toISOString()
            .slice(0, 10),
    verdict: finding.verdict,
  }));
  const root = isRootKey(first);
  const quarantined = violations.some((finding) => finding.verdict === 'compromised');
  const quarantine = user?.quarantinePolicies?.length
    ? user.quarantinePolicies.join(', ')
    : 'a quarantine policy';
  const title = root
    ? `Delete the root account access key (account ${visible(account)})`
    : quarantined
      ? `AWS quarantined ${visible(name)} for an exposed access key: replace it now (account ${visible(account)})`
      : `Rotate the IAM access key of ${visible(name)} (account ${visible(account)})`;
  const stillUsed = violations.flatMap((finding, index) => {
    const found = finding.accessKeyId ? options.consumers?.get(finding.accessKeyId) : undefined;
    return found ? [{ found, shown: keys[index]?.key ?? '' }] : [];
  });
  // Who uses a key is part of what matters; when each was last seen is not (it changes daily, as ages do).
  const users = stillUsed.map(({ found }) =>
    found.kind === 'seen' ? found.consumers.map((c) => [c.sourceIp, c.userAgent]) : found.kind,
  );
  const digest = createHash('sha256')
    .update(
      JSON.stringify({
        title,
        keys,
        owner,
        policy: policy.maxKeyAgeDays,
        maskKeyIds,
        // Only when there are some: an issue without consumers keeps the digest it always had.
        ...(users.length > 0 ? { users } : {}),
      }),
    )
    .digest('hex')
    .slice(0, 16);

  const commands = violations.flatMap((finding, index) => {
    const shown = maskKeyIds ? null : finding.accessKeyId;
    // The commands sit in a code block, where Markdown escaping does not apply: the name is a shell word.
    const steps = remediation({ verdict: finding.verdict, user: shellWord(name), accessKeyId: shown });
    const find =
      shown === null
        ? [
            `# find the key ID: the key ${finding.accessKeyId ? `ending in ${finding.accessKeyId.slice(-4)}` : `in slot ${finding.keySlot}`}, created ${keys[index]?.created}`,
            root
              ? 'aws iam list-access-keys  # as the root user'
              : `aws iam list-access-keys --user-name ${shellWord(name)}`,
          ]
        : [];
    // The lookup goes right before the first command that needs the ID.
    const needsId = steps.findIndex((step) => step.includes('<ACCESS_KEY_ID>'));
    const at = needsId === -1 ? steps.length : needsId;
    return [...steps.slice(0, at), ...find, ...steps.slice(at), ''];
  });

  const controls = uniqueControls(violations);
  const why = root
    ? [
        `### The root account of account ${escapeMarkdown(account)} has an access key`,
        '',
        'No access key may exist for the root account, whatever its age or status: nothing can limit what it may do. ' +
          '**Delete it; do not rotate it** (keywarden never creates or rotates a root key).',
      ]
    : quarantined
      ? [
          `### AWS found an access key of IAM user ${shownUser} in account ${escapeMarkdown(account)} exposed`,
          '',
          `AWS attached **${escapeMarkdown(quarantine)}** to the user: AWS does this when it finds one of the user's ` +
            'access keys where others can read it (a public repository, say), and opens an AWS Support case naming the key. ' +
            'The policy denies some actions to the user, but the key still works for everything else: whoever found it may be using it. ' +
            `An exemption does not cover an exposed key. **21 CFR 11.300(c)**, ${part11Meaning('11.300(c)')}; ` +
            `**11.300(d)**, ${part11Meaning('11.300(d)')}.`,
          '',
          'If the user is enrolled in rotation, the rotation function has already replaced the key (new key stored for the owner, ' +
            'the exposed key deactivated in the same run); otherwise do it now.',
        ]
      : [
          `### IAM user ${shownUser} in account ${escapeMarkdown(account)} has an access key past the rotation limit`,
          '',
          `Active access keys must be rotated within **${policy.maxKeyAgeDays} days** (keywarden.yml \`maxKeyAgeDays\`): ` +
            `**21 CFR 11.300(b)**, ${part11Meaning('11.300(b)')}.`,
        ];
  const fix = root
    ? ['Move whatever uses the root key to an IAM role or user first, then delete the key as the root user:']
    : quarantined
      ? [
          '`keywarden rotate` stores a new key for the owner and deactivates the exposed key in the same run, whatever its age. ' +
            'Then review in CloudTrail what the exposed key did, and follow the AWS Support case:',
        ]
      : [
          'Create a replacement key, deliver it, then retire the old one. `keywarden rotate` does these steps safely ' +
            '(the new secret goes to Secrets Manager only); by hand:',
        ];
  const body = [
    `<!-- keywarden:fingerprint=${id} -->`,
    `<!-- keywarden:digest=${digest} -->`,
    ...why,
    '',
    `**Controls**: ${controlsShort(controls)} (${frameworkLegend(controls)}).`,
    '',
    `| slot | access key | status | created | ${root || quarantined ? 'a violation since' : 'over the limit since'} | age on ` +
      options.asOf.toISOString().slice(0, 10) +
      ' |',
    '|---:|---|---|---|---|---:|',
    ...violations.map(
      (finding, index) =>
        `| ${finding.keySlot} | ${escapeMarkdown(keys[index]?.key ?? '')} | ${finding.status} | ${keys[index]?.created} | ${keys[index]?.overdueSince} | ${finding.ageDays} days |`,
    ),
    '',
    ...stillUsed.flatMap(({ found, shown }) => stillUsedSection(found, shown)),
    ...(root
      ? []
      : [
          owner
            ? `**Owner hint** (IAM user tag \`${owner.tag}\`): ${escapeMarkdown(owner.value)}`
            : '**Owner hint**: none; tag the IAM user with `owner` (and audit with `source: api`) to show one here.',
          '',
        ]),
    '### How to fix it',
    '',
    ...fix,
    '',
    '```sh',
    ...commands.slice(0, -1),
    '```',
    '',
    root
      ? 'keywarden closes this issue when a complete audit of the account finds no root access key. A root key ' +
        'cannot be exempted: closing this issue as **not planned** only stops keywarden from reopening it; the audit keeps failing.'
      : quarantined
        ? 'keywarden closes this issue when a complete audit of the account finds no quarantine policy attached to the user: ' +
          'the incident is open until a person has reviewed it and detached the policy as the AWS Support case says. ' +
          'Closing this issue as **not planned** only stops keywarden from reopening it; the audit keeps failing.'
        : 'keywarden closes this issue when a complete audit of the account finds no overdue key for this user. ' +
          'Close it as **not planned** to stop keywarden from reopening it (record the exemption in keywarden.yml).',
  ].join('\n');
  return { fingerprint: id, account, user: name, title, body, digest };
}

/** Who still uses a key after its replacement: the consumers CloudTrail saw, or one line saying why not. */
function stillUsedSection(found: OldKeyConsumers, shown: string): string[] {
  const lines = [
    '### Still in use after its replacement',
    '',
    escapeMarkdown(consumersHeadline(found, 'the key', shown)),
    '',
  ];
  const { table, more } = consumersMarkdownTable(found, escapeMarkdown);
  if (table.length === 0) return lines;
  return [
    ...lines,
    ...table,
    '',
    ...(more > 0 ? [`… and ${more} more: \`keywarden consumers --user <user>\` lists them all.`, ''] : []),
    'Move each of them to the new key before the old one is deactivated.',
    '',
  ];
}

export function markersOf(
  body: string | null | undefined,
): { fingerprint: string; digest: string | null } | null {
  const found = FINGERPRINT_MARKER.exec(body ?? '');
  if (!found?.[1]) return null;
  return { fingerprint: found[1], digest: DIGEST_MARKER.exec(body ?? '')?.[1] ?? null };
}

/** The controls of all the findings, each once, in the order the findings list them. */
function uniqueControls(findings: readonly Finding[]): ControlRef[] {
  const seen = new Map<string, ControlRef>();
  for (const control of findings.flatMap((finding) => finding.controls)) {
    seen.set(`${control.framework}\n${control.id}`, control);
  }
  return [...seen.values()];
}
