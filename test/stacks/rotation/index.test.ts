import { describe, expect, it } from 'vitest';
import main from '../../../stacks/rotation/index.js';
import { MOCK_ACCOUNT, MOCK_REGION, parsePolicy, runProgram } from '../../support/pulumi-program.js';

const PROJECT = 'keywarden-rotation';
const AS_OF = new Date('2026-11-28T06:00:00Z');
const HANDLER_CODE = 'export const handler = async () => ({});';
const BASE = { notificationEmails: ['security@example.com', 'iam-owners@example.com'] };
const run = (config: Record<string, unknown> = BASE) =>
  runProgram(PROJECT, () => main({ asOf: AS_OF, handlerCode: HANDLER_CODE }), config);

type Statement = { Sid: string; Action: string[] | string; Resource: string[] | string; Condition?: unknown };
const statementsOf = (text: unknown) => parsePolicy(text).Statement as unknown as Statement[];
const actionsOf = (statement: Statement) => [statement.Action].flat();

describe('keywarden-rotation stack', () => {
  it('runs the function on Node.js 24, arm64, one at a time, from a bundled asset', async () => {
    // Act
    const stack = await run();

    // Assess
    const fn = stack.one('aws:lambda/function:Function').inputs;
    expect(fn).toMatchObject({
      name: 'keywarden-rotation',
      runtime: 'nodejs24.x',
      architectures: ['arm64'],
      handler: 'index.handler',
      reservedConcurrentExecutions: 1,
      timeout: 900,
      loggingConfig: { logFormat: 'JSON', logGroup: '/aws/lambda/keywarden-rotation' },
    });
    expect(fn.deadLetterConfig).toEqual({ targetArn: expect.stringContaining('dead-letters') });
  });

  it('gives the function its policy, topic and key through the environment', async () => {
    // Act
    const stack = await run({ ...BASE, policy: { maxKeyAgeDays: 60, rotation: { rotateAtDays: 50 } } });

    // Assess
    const { variables } = stack.one('aws:lambda/function:Function').inputs.environment as {
      variables: Record<string, string>;
    };
    expect(Object.keys(variables).sort()).toEqual([
      'KEYWARDEN_CONFIG',
      'KEYWARDEN_SECRETS_KMS_KEY_ARN',
      'KEYWARDEN_TOPIC_ARN',
      'POWERTOOLS_LOG_LEVEL',
      'POWERTOOLS_METRICS_NAMESPACE',
      'POWERTOOLS_SERVICE_NAME',
    ]);
    expect(JSON.parse(variables.KEYWARDEN_CONFIG as string)).toMatchObject({
      maxKeyAgeDays: 60,
      rotation: { rotateAtDays: 50, deactivateAfterDays: 7, deleteAfterDays: 7, enforce: true },
      scope: { tagKey: 'keywarden:rotation', tagValue: 'enabled' },
      trail: {
        bucket: stack.outputs.trailBucket,
        prefix: 'trail/',
        retentionDays: 2557,
        signingKey: stack.outputs.trailSigningKeyArn,
      },
    });
    expect(variables.KEYWARDEN_TOPIC_ARN).toBe(stack.outputs.topicArn);
    expect(variables.KEYWARDEN_SECRETS_KMS_KEY_ARN).toBe(stack.outputs.secretsKmsKeyArn);
    expect(variables.POWERTOOLS_SERVICE_NAME).toBe('keywarden-rotation');
  });

  it('lets the function change keys only of users carrying the scope tag', async () => {
    // Act
    const stack = await run({ ...BASE, policy: { scope: { tagKey: 'rotation', tagValue: 'managed' } } });

    // Assess
    const statements = statementsOf(stack.named('function-permissions').inputs.policy);
    const mutating = statements.filter((statement) =>
      actionsOf(statement).some((action) => /^iam:(Create|Update|Delete)AccessKey$/.test(action)),
    );
    expect(mutating).toEqual([
      {
        Sid: 'IamUserKeysInScope',
        Effect: 'Allow',
        Action: ['iam:CreateAccessKey', 'iam:DeleteAccessKey', 'iam:UpdateAccessKey'],
        Resource: [`arn:aws:iam::${MOCK_ACCOUNT}:user/*`],
        Condition: { StringEquals: { 'iam:ResourceTag/rotation': 'managed' } },
      },
    ]);
  });

  it('grants no wildcard action, Secrets Manager only under keywarden/, and only its own key, topic and bucket', async () => {
    // Act
    const stack = await run();

    // Assess
    const statements = statementsOf(stack.named('function-permissions').inputs.policy);
    for (const statement of statements) {
      const resources = [statement.Resource].flat();
      expect(actionsOf(statement).filter((action) => action.includes('*'))).toEqual([]);
      if (resources.includes('*')) {
        expect(
          // LookupEvents has no resource-level permissions: its resource is always "*".
          actionsOf(statement).filter(
            (action) => !/^(iam:(List|Get|Generate)|sts:Get|cloudtrail:LookupEvents$)/.test(action),
          ),
        ).toEqual([]);
      }
      if (actionsOf(statement).some((action) => action.startsWith('secretsmanager:'))) {
        expect(resources).toEqual([
          `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:keywarden/${MOCK_ACCOUNT}/*`,
        ]);
      }
    }
    const bySid = Object.fromEntries(statements.map((statement) => [statement.Sid, statement]));
    expect(bySid.KmsKey?.Resource).toEqual([stack.outputs.secretsKmsKeyArn]);
    expect(bySid.NoticeTopic?.Resource).toEqual([stack.outputs.topicArn]);
    expect(bySid.TrailObject?.Resource).toEqual([`arn:aws:s3:::${stack.outputs.trailBucket}/trail/*`]);
    expect(stack.all('aws:iam/rolePolicyAttachment:RolePolicyAttachment')).toEqual([]);
  });

  it('runs the function daily by default through EventBridge Scheduler, with retries and a dead-letter queue', async () => {
    // Act
    const stack = await run();

    // Assess
    expect(stack.one('aws:scheduler/schedule:Schedule').inputs).toMatchObject({
      scheduleExpression: 'rate(1 day)',
      scheduleExpressionTimezone: 'UTC',
      state: 'ENABLED',
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: stack.outputs.functionArn,
        retryPolicy: { maximumRetryAttempts: 2 },
        deadLetterConfig: { arn: expect.stringContaining('dead-letters') },
      },
    });
    expect(statementsOf(stack.named('scheduler-role').inputs.assumeRolePolicy)[0]).toMatchObject({
      Principal: { Service: 'scheduler.amazonaws.com' },
      Condition: { StringEquals: { 'aws:SourceAccount': MOCK_ACCOUNT } },
    });
    expect(
      statementsOf(stack.named('scheduler-permissions').inputs.policy).map((statement) => statement.Action),
    ).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
  });

  it('keeps the trail write-once: COMPLIANCE Object Lock for the retention, versioning, no public access, encryption', async () => {
    // Act
    const stack = await run({ ...BASE, policy: { trail: { retentionDays: 3650 } } });

    // Assess
    expect(stack.named('trail').inputs).toMatchObject({
      objectLockEnabled: true,
      tags: { 'keywarden:component': 'rotation', 'keywarden:purpose': 'audit-trail' },
    });
    expect(
      stack.one('aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration').inputs,
    ).toMatchObject({
      objectLockEnabled: 'Enabled',
      rule: { defaultRetention: { mode: 'COMPLIANCE', days: 3650 } },
    });
    expect(stack.one('aws:s3/bucketVersioning:BucketVersioning').inputs.versioningConfiguration).toEqual({
      status: 'Enabled',
    });
    expect(stack.named('trail-public-access-block').inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(stack.named('trail-encryption').inputs.rules).toEqual([
      { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } },
    ]);
  });

  it("keeps the users' leases in a bucket of their own: no Object Lock, no versioning, private, encrypted, TLS only, the function's grant limited to it", async () => {
    // Act
    const stack = await run(BASE);

    // Assess
    const leases = stack.named('leases').inputs;
    expect(leases).toMatchObject({
      forceDestroy: true,
      tags: { 'keywarden:component': 'rotation', 'keywarden:purpose': 'rotation-lease' },
    });
    expect(leases.objectLockEnabled).toBeUndefined();
    expect(stack.all('aws:s3/bucketVersioning:BucketVersioning')).toHaveLength(1);
    expect(stack.named('leases-public-access-block').inputs).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(String(stack.named('leases-tls-only').inputs.policy)).toContain('aws:SecureTransport');
    const environment = stack.one('aws:lambda/function:Function').inputs.environment as {
      variables: Record<string, string>;
    };
    const config = JSON.parse(environment.variables.KEYWARDEN_CONFIG ?? '{}');
    expect(config.rotation.lease).toEqual({
      bucket: stack.outputs.leaseBucket,
      prefix: 'leases/',
      seconds: 600,
    });
    const rolePolicy = JSON.parse(String(stack.named('function-permissions').inputs.policy));
    const leaseGrants = rolePolicy.Statement.filter((statement: { Sid: string }) =>
      statement.Sid.startsWith('Lease'),
    );
    expect(leaseGrants).toEqual([
      {
        Sid: 'LeaseObject',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [`arn:aws:s3:::${stack.outputs.leaseBucket}/leases/*`],
      },
      {
        Sid: 'LeaseBucket',
        Effect: 'Allow',
        Action: ['s3:ListBucket'],
        Resource: [`arn:aws:s3:::${stack.outputs.leaseBucket}`],
      },
    ]);
  });

  it('keeps logs at least as long as the trail: the shortest CloudWatch retention that covers it', async () => {
    // Act
    const stack = await run({ ...BASE, policy: { trail: { retentionDays: 1000 } } });

    // Assess
    expect(stack.one('aws:cloudwatch/logGroup:LogGroup').inputs).toMatchObject({
      name: '/aws/lambda/keywarden-rotation',
      retentionInDays: 1096,
    });
  });

  it('encrypts secrets and notices with a rotating KMS key that owners can use only through Secrets Manager', async () => {
    // Act
    const stack = await run();

    // Assess
    const key = stack.named('secrets-key').inputs;
    expect(key.enableKeyRotation).toBe(true);
    const owners = statementsOf(key.policy).find(
      (statement) => statement.Sid === 'OwnersReadTheirSecretThroughSecretsManager',
    );
    expect(owners).toMatchObject({
      Action: 'kms:Decrypt',
      Condition: {
        StringEquals: {
          'kms:CallerAccount': MOCK_ACCOUNT,
          'kms:ViaService': `secretsmanager.${MOCK_REGION}.amazonaws.com`,
        },
      },
    });
    expect(stack.one('aws:sns/topic:Topic').inputs.kmsMasterKeyId).toBe(stack.outputs.secretsKmsKeyArn);
  });

  it('signs the trail with an ECC_NIST_P256 SIGN_VERIFY key, on which the function may only Sign', async () => {
    // Act
    const stack = await run();

    // Assess
    expect(stack.named('trail-signing-key').inputs).toMatchObject({
      customerMasterKeySpec: 'ECC_NIST_P256',
      keyUsage: 'SIGN_VERIFY',
    });
    const statements = statementsOf(stack.named('function-permissions').inputs.policy);
    const grants = statements.filter(
      (statement) =>
        actionsOf(statement).some((action) => action.startsWith('kms:')) &&
        [statement.Resource].flat().includes(String(stack.outputs.trailSigningKeyArn)),
    );
    const signers = statements.filter((statement) =>
      actionsOf(statement).some((action) => ['kms:Sign', 'kms:*', '*'].includes(action)),
    );
    expect(signers).toEqual(grants);
    expect(grants).toEqual([
      {
        Sid: 'TrailSigningKey',
        Effect: 'Allow',
        Action: ['kms:Sign'],
        Resource: [stack.outputs.trailSigningKeyArn],
      },
    ]);
  });

  it('subscribes every notification address to the topic by email', async () => {
    // Act
    const stack = await run();

    // Assess
    expect(stack.all('aws:sns/topicSubscription:TopicSubscription').map((s) => s.inputs)).toEqual([
      { topic: stack.outputs.topicArn, protocol: 'email', endpoint: 'security@example.com' },
      { topic: stack.outputs.topicArn, protocol: 'email', endpoint: 'iam-owners@example.com' },
    ]);
  });

  it('alarms to the topic on function errors, failed users, overdue keys (or no report), and dead letters', async () => {
    // Act
    const stack = await run();

    // Assess
    const alarms = Object.fromEntries(
      stack.all('aws:cloudwatch/metricAlarm:MetricAlarm').map((alarm) => [alarm.name, alarm.inputs]),
    );
    expect(Object.keys(alarms).sort()).toEqual([
      'dead-letters',
      'failed-users',
      'function-errors',
      'overdue-keys',
    ]);
    expect(alarms['function-errors']).toMatchObject({
      namespace: 'AWS/Lambda',
      metricName: 'Errors',
      dimensions: { FunctionName: 'keywarden-rotation' },
      threshold: 1,
    });
    expect(alarms['overdue-keys']).toMatchObject({
      namespace: 'keywarden',
      metricName: 'OverdueKeys',
      dimensions: { service: 'keywarden-rotation' },
      statistic: 'Maximum',
      period: 86400,
      threshold: 1,
      treatMissingData: 'breaching',
    });
    for (const alarm of Object.values(alarms)) expect(alarm.alarmActions).toEqual([stack.outputs.topicArn]);
  });

  it('tags every taggable resource as the rotation component', async () => {
    // Act
    const stack = await run();

    // Assess
    const untaggable = new Set([
      'aws:sns/topicSubscription:TopicSubscription',
      'aws:iam/rolePolicy:RolePolicy',
      'aws:scheduler/schedule:Schedule',
      'aws:s3/bucketVersioning:BucketVersioning',
      'aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration',
      'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
      'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
      'aws:s3/bucketPolicy:BucketPolicy',
      'aws:cloudwatch/eventTarget:EventTarget',
      'aws:lambda/permission:Permission',
    ]);
    const untagged = stack.resources
      .filter((resource) => !untaggable.has(resource.type))
      .filter(
        (resource) =>
          (resource.inputs.tags as Record<string, string> | undefined)?.['keywarden:component'] !==
          'rotation',
      )
      .map((resource) => `${resource.type} ${resource.name}`);
    expect(untagged).toEqual([]);
  });

  it('leaves the trail bucket, the secrets key and the trail signing key in place when the stack is destroyed, and nothing else', async () => {
    // Act
    const stack = await run();

    // Assess
    const retained = stack.resources
      .filter((resource) => resource.retainOnDelete)
      .map((resource) => resource.name);
    expect(retained.sort()).toEqual(['secrets-key', 'trail', 'trail-signing-key']);
  });

  it('exports the function, schedule, bucket and topic', async () => {
    // Act
    const stack = await run();

    // Assess
    expect(stack.outputs).toMatchObject({
      functionName: 'keywarden-rotation',
      functionArn: expect.stringMatching(/^arn:aws:lambda:/),
      scheduleName: 'keywarden-rotation-run',
      scheduleArn: expect.stringMatching(/^arn:aws:scheduler:/),
      scheduleExpression: 'rate(1 day)',
      trailBucket: expect.any(String),
      topicArn: expect.stringMatching(/^arn:aws:sns:/),
    });
  });
});

describe('keywarden-rotation stack: the rule for keys AWS quarantines', () => {
  it('listens in us-east-1 for AttachUserPolicy of the three quarantine policies, enabled', async () => {
    // Act
    const stack = await run();

    // Assess
    const attached = stack.named('quarantine-attached').inputs;
    expect(attached).toMatchObject({ region: 'us-east-1', state: 'ENABLED' });
    expect(JSON.parse(attached.eventPattern as string)).toEqual({
      source: ['aws.iam'],
      'detail-type': ['AWS API Call via CloudTrail'],
      detail: {
        eventSource: ['iam.amazonaws.com'],
        eventName: ['AttachUserPolicy'],
        requestParameters: {
          policyArn: [
            'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine',
            'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2',
            'arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3',
          ],
        },
      },
    });
  });

  it("forwards the events to its own bus in the stack's region, through a role that may put events there only", async () => {
    const stack = await run();

    const bus = stack.one('aws:cloudwatch/eventBus:EventBus');
    const forward = stack
      .all('aws:cloudwatch/eventTarget:EventTarget')
      .find((t) => t.name === 'quarantine-forward');
    expect(forward?.inputs).toMatchObject({
      region: 'us-east-1',
      rule: 'keywarden-rotation-quarantine-attached',
      arn: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:keywarden-rotation-quarantine`,
    });
    expect(bus.inputs.name).toBe('keywarden-rotation-quarantine');
    const statements = statementsOf(stack.named('quarantine-forwarder-permissions').inputs.policy);
    expect(statements).toEqual([
      {
        Sid: 'ForwardToRotationBus',
        Effect: 'Allow',
        Action: 'events:PutEvents',
        Resource: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:keywarden-rotation-quarantine`,
      },
    ]);
  });

  it('invokes the function with an input naming the user, under a permission scoped to the rule', async () => {
    const stack = await run();

    const rotate = stack.named('quarantine-rotate').inputs;
    const targets = stack.all('aws:cloudwatch/eventTarget:EventTarget');
    const toFunction = targets.find((t) => t.name === 'quarantine-rotate')?.inputs;
    expect(rotate).toMatchObject({ eventBusName: 'keywarden-rotation-quarantine', state: 'ENABLED' });
    expect(toFunction).toMatchObject({
      rule: 'keywarden-rotation-quarantine-rotate',
      arn: `arn:aws:lambda:${MOCK_REGION}:${MOCK_ACCOUNT}:keywarden-rotation`,
      inputTransformer: {
        inputPaths: { user: '$.detail.requestParameters.userName' },
        inputTemplate: expect.stringContaining('"source":"keywarden-quarantine","user":<user>'),
      },
    });
    expect(stack.one('aws:lambda/permission:Permission').inputs).toEqual({
      action: 'lambda:InvokeFunction',
      function: 'keywarden-rotation',
      principal: 'events.amazonaws.com',
      sourceArn: `arn:aws:cloudwatch:${MOCK_REGION}:${MOCK_ACCOUNT}:keywarden-rotation-quarantine-rotate`,
    });
  });
});
