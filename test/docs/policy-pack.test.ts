import * as aws from '@pulumi/aws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keywardenPolicies } from '../../policypack/policies/index.js';
import { changing, compliantRotationStack } from '../policypack/fixtures.js';
import { docSection } from '../support/docs.js';
import {
  type PackConfig,
  type RunningPack,
  recordStack,
  startPolicyPack,
} from '../support/policy-harness.js';

const section = docSection('docs/policy-pack.md', 'policypack');
const block = (language: string) =>
  new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section)?.[1] ?? '';

let pack: RunningPack;
beforeAll(async () => {
  pack = await startPolicyPack('policypack', { env: { KEYWARDEN_AS_OF: '2026-11-28T09:00:00Z' } });
});
afterAll(async () => {
  await pack?.close();
});

describe('docs/policy-pack.md', () => {
  it('lists every registered policy in its table, with its level and severity', () => {
    for (const policy of keywardenPolicies) {
      expect(section).toContain(`| \`${policy.name}\` | ${policy.enforcementLevel}, ${policy.severity} |`);
    }
  });

  it('shows a --policy-pack-config file that the pack accepts, whose exemption lets that user keep a key', async () => {
    await pack.configure(JSON.parse(block('json')) as PackConfig);

    const exempt = await pack.analyze({
      type: 'aws:iam/accessKey:AccessKey',
      name: 'appliance-key',
      urn: 'urn:pulumi:dev::app::aws:iam/accessKey:AccessKey::appliance-key',
      inputs: { user: 'svc-vendor-appliance' },
    });
    const stack = await pack.analyzeStack(compliantRotationStack());

    expect(exempt.diagnostics).toEqual([]);
    expect(stack.diagnostics).toEqual([]);
  });

  it('shows exactly what the pack answers for the sample program', async () => {
    await pack.configure({});
    const resources = await recordStack(() => {
      const user = new aws.iam.User('ci', { name: 'ci-deployer' });
      new aws.iam.AccessKey('ci-key', { user: user.name });
    });

    const diagnostics = (await Promise.all(resources.map((r) => pack.analyze(r)))).flatMap(
      (a) => a.diagnostics,
    );

    const [header, ...message] = block('text').trimEnd().split('\n');
    expect(header).toBe('[mandatory]  reject-iam-access-keys  (aws:iam/accessKey:AccessKey: ci-key)');
    expect(diagnostics.map((d) => d.message)).toEqual([message.join('\n')]);
    expect(block('ts')).toContain("new aws.iam.AccessKey('ci-key', { user: user.name });");
  });

  it('quotes the weekly-schedule message as the pack words it', async () => {
    await pack.configure({});
    const weekly = changing(compliantRotationStack(), 'rotation-daily', (s) => ({
      ...s,
      scheduleExpression: 'rate(7 days)',
    }));

    const { diagnostics } = await pack.analyzeStack(weekly);

    const quoted = /A rotation\s+stack weakened to a weekly schedule reads `([^`]+)`/
      .exec(section)?.[1]
      ?.replace(/\s+/g, ' ');
    expect(diagnostics.map((d) => d.message.split('\n')[1])).toEqual([quoted]);
  });
});
