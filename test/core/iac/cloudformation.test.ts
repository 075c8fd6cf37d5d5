import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  parseTemplate,
  parseTemplateDocument,
  resourceLinesOfJson,
  templateResources,
} from '../../../core/iac/cloudformation.js';
import { UNKNOWN } from '../../../core/infra/unknown.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const text = (name: string) => readFileSync(fixture(name), 'utf8');
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax, not a JavaScript template
const SUB_STAGE = '${Stage}';
const cfnLint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;

const TEMPLATES = [
  'cloudformation/keys.yaml',
  'cloudformation/keys.json',
  'cloudformation/trail.yaml',
  'cdk.out/KeywardenAppStack.template.json',
  'cdk.out/assembly-Prod/ProdServiceStack.template.json',
];

describe.skipIf(!cfnLint)('the CloudFormation fixtures', () => {
  it('are valid templates, as cfn-lint judges them', async () => {
    const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--', ...TEMPLATES.map(fixture)], {
      encoding: 'utf8',
    });

    expect(lint.stdout).toBe('');
    expect(lint.status).toBe(0);
  }, 120_000);
});

describe('reading a CloudFormation template', () => {
  it('reads every short intrinsic tag as its long form', async () => {
    // Act
    const { document } = await parseTemplateDocument(text('cloudformation/keys.yaml'), 'keys.yaml');

    // Assess: the YAML and the JSON rendering of the same template are the same document
    expect(document).toEqual(JSON.parse(text('cloudformation/keys.json')));
    expect(document).toMatchObject({
      Conditions: {
        IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] },
        IsDev: { 'Fn::Not': [{ Condition: 'IsProd' }] },
        AnyStage: { 'Fn::Or': [{ Condition: 'IsProd' }, { Condition: 'IsDev' }] },
      },
      Resources: {
        EnrolledUser: { Properties: { UserName: { 'Fn::Sub': `enrolled-${SUB_STAGE}` } } },
        ServiceKey: { Properties: { Status: { 'Fn::If': ['IsProd', 'Active', 'Inactive'] } } },
        Logs: {
          Properties: {
            LogGroupName: { 'Fn::Join': ['/', ['', 'app', { Ref: 'Stage' }]] },
            RetentionInDays: { 'Fn::FindInMap': ['StageSettings', { Ref: 'Stage' }, 'Retention'] },
          },
        },
        Subnet: {
          Properties: {
            CidrBlock: { 'Fn::Select': [0, { 'Fn::Cidr': [{ 'Fn::GetAtt': ['Vpc', 'CidrBlock'] }, 4, 8] }] },
          },
        },
        SharedGroup: { Properties: { VpcId: { 'Fn::ImportValue': 'shared-network-id' } } },
        Launch: {
          Properties: {
            LaunchTemplateData: {
              UserData: { 'Fn::Base64': { 'Fn::Sub': `#!/bin/sh\necho ${SUB_STAGE}\n` } },
            },
          },
        },
      },
    });
  });

  it('knows the line of each resource, in YAML and in JSON', async () => {
    const yaml = (await parseTemplateDocument(text('cloudformation/keys.yaml'), 'keys.yaml')).lines;
    const json = resourceLinesOfJson(text('cloudformation/keys.json'));

    const lineOf = (source: string, pattern: string) =>
      source.split('\n').findIndex((line) => line.startsWith(pattern)) + 1;
    expect(yaml.get('AppKey')).toBe(lineOf(text('cloudformation/keys.yaml'), '  AppKey:'));
    expect(json.get('AppKey')).toBe(lineOf(text('cloudformation/keys.json'), '    "AppKey":'));
    expect([...yaml.keys()]).toEqual([...json.keys()]);
  });

  it('finds Resources keys only at the top of the template, whatever strings and nesting hold', async () => {
    const source =
      '{"Outputs": {"Resources": {"Decoy": 1}}, "Description": "a \\"Resources\\": {", "Resources":\n {\n"A": {"Type": "AWS::SNS::Topic", "Properties": {"Resources": {"B": {}}}},\n  "C": {"Type": "AWS::SNS::Topic"}}}';

    expect([...resourceLinesOfJson(source)]).toEqual([
      ['A', 3],
      ['C', 4],
    ]);
  });

  it('resolves a user name written literally or through Ref to a user with a literal UserName; anything else is UNKNOWN', async () => {
    const parsed = await parseTemplate(text('cloudformation/keys.yaml'), 'keys.yaml');

    const resources = templateResources(parsed, 'keys.yaml', (id) => id);

    expect(
      resources.map((r) =>
        r.kind === 'access-key'
          ? [r.address, r.user, r.status]
          : r.kind === 'user'
            ? [r.address, r.name]
            : [r.address],
      ),
    ).toEqual([
      ['AppUser', 'app'],
      ['EnrolledUser', UNKNOWN],
      ['AppKey', 'app', undefined],
      ['VendorKey', 'svc-vendor-appliance', 'Active'],
      ['ServiceKey', UNKNOWN, UNKNOWN],
    ]);
  });

  it('says which line of the YAML is wrong', async () => {
    await expect(parseTemplate('Resources:\n  A:\n    Type: [unclosed\n', 'bad.yaml')).rejects.toThrow(
      /^bad\.yaml: not valid YAML at line \d+: /,
    );
  });

  it('refuses a resource without a Type, naming it', async () => {
    await expect(parseTemplate('Resources:\n  Key:\n    Properties: {}\n', 't.yaml')).rejects.toThrow(
      't.yaml: not a valid CloudFormation template: Resources.Key.Type: must have a Type (a string such as AWS::IAM::User)',
    );
  });
});
