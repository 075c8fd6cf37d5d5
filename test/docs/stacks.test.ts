import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import auditRoleMain from '../../stacks/audit-role/index.js';
import { auditRoleSettingsSchema } from '../../stacks/audit-role/settings.js';
import rotationMain from '../../stacks/rotation/index.js';
import { rotationSettingsSchema } from '../../stacks/rotation/settings.js';
import { docSection } from '../support/docs.js';
import { runProgram } from '../support/pulumi-program.js';

const section = docSection('docs/stacks.md', 'stacks');
const AS_OF = new Date('2026-11-28T06:00:00Z');
const programs = {
  'keywarden-rotation': () => rotationMain({ asOf: AS_OF, handlerCode: 'export const handler = () => {};' }),
  'keywarden-audit-role': auditRoleMain,
} as const;
type Project = keyof typeof programs;

/** The settings of each Pulumi.<stack>.yaml shown in the section, by project (aws:* keys left out). */
function stackFiles(): Map<Project, Record<string, unknown>> {
  const files = new Map<Project, Record<string, unknown>>();
  for (const [, body] of section.matchAll(/```yaml\n([\s\S]*?)```/g)) {
    const { config } = parseYaml(body as string) as { config: Record<string, unknown> };
    for (const [name, value] of Object.entries(config)) {
      const [project, key] = name.split(':') as [string, string];
      if (!(project in programs)) continue;
      files.set(project as Project, { ...files.get(project as Project), [key]: value });
    }
  }
  return files;
}

/** The rows of the markdown table that follows `heading`: the first column's `key`. */
function tableKeys(heading: string): string[] {
  const after = section.slice(section.indexOf(heading));
  const table = /\n(\|[^\n]*\n)+/.exec(after)?.[0] ?? '';
  return [...table.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((match) => match[1] as string);
}

/** What `pulumi config set --path KEY VALUE` lines leave in the stack's config (numbers typed). */
function configSetLines(): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [, path, text] of section.matchAll(/pulumi config set --path '([^']+)' (\S+)/g)) {
    const value = /^\d+$/.test(text as string) ? Number(text) : text;
    const parts = (path as string).split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== '');
    let node: Record<string, unknown> = config;
    parts.forEach((part, index) => {
      const last = index === parts.length - 1;
      const nextIsIndex = /^\d+$/.test(parts[index + 1] ?? '');
      if (last) {
        node[part] = value;
        return;
      }
      node[part] ??= nextIsIndex ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return config;
}

describe('docs/stacks.md', () => {
  it('shows a Pulumi.prod.yaml for each stack that deploys as written', async () => {
    // Prepare
    const files = stackFiles();

    // Act
    const rotation = await runProgram(
      'keywarden-rotation',
      programs['keywarden-rotation'],
      files.get('keywarden-rotation'),
    );
    const auditRole = await runProgram(
      'keywarden-audit-role',
      programs['keywarden-audit-role'],
      files.get('keywarden-audit-role'),
    );

    // Assess
    expect([...files.keys()].sort()).toEqual(['keywarden-audit-role', 'keywarden-rotation']);
    expect(rotation.one('aws:scheduler/schedule:Schedule').inputs).toMatchObject({
      scheduleExpression: 'cron(0 6 * * ? *)',
      scheduleExpressionTimezone: 'Europe/Berlin',
    });
    expect(auditRole.outputs.trustedSubjects).toEqual([
      'repo:acme/infrastructure:ref:refs/heads/main',
      'repo:acme/infrastructure:environment:iam-audit',
    ]);
  });

  it('deploys the rotation stack with the settings its pulumi config set commands make', async () => {
    // Prepare
    const config = configSetLines();

    // Act
    const stack = await runProgram('keywarden-rotation', programs['keywarden-rotation'], config);

    // Assess
    expect(config).toEqual({ notificationEmails: ['security@example.com'], policy: { maxKeyAgeDays: 90 } });
    expect(stack.one('aws:sns/topicSubscription:TopicSubscription').inputs.endpoint).toBe(
      'security@example.com',
    );
  });

  it('lists every setting of each stack, and no other', () => {
    // Act
    const rotationKeys = tableKeys('Settings of `keywarden-rotation`');
    const auditRoleKeys = tableKeys('`stacks/audit-role/Pulumi.prod.yaml`');

    // Assess
    expect(rotationKeys.sort()).toEqual(Object.keys(rotationSettingsSchema.shape).sort());
    expect(auditRoleKeys.sort()).toEqual(Object.keys(auditRoleSettingsSchema.shape).sort());
  });

  it('names every output of the rotation stack', async () => {
    // Prepare
    const files = stackFiles();

    // Act
    const stack = await runProgram(
      'keywarden-rotation',
      programs['keywarden-rotation'],
      files.get('keywarden-rotation'),
    );

    // Assess
    const listed = /Outputs: ((?:`\w+`,?\s*(?:and\s*)?)+)/.exec(section)?.[1] ?? '';
    const names = [...listed.matchAll(/`(\w+)`/g)].map((match) => match[1]);
    expect(names.sort()).toEqual(Object.keys(stack.outputs).sort());
  });
});
