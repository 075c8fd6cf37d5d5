/**
 * The rotation role allows every call the executor actually makes, in order, and Secrets Manager's KMS calls
 * on its behalf — and still nothing that reaches a stored value. The calls are not written down here: the
 * engine runs against moto with every IAM and Secrets Manager command captured (name, input, whether it
 * succeeded), and each is then simulated (@cloud-copilot/iam-simulate) over the policies the rotation stack
 * generates (recorded under setMocks), with the secret's tags as they stood at that call. When the executor
 * changes its calls, this test follows.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { OWNER_ID_TAG } from '../../../core/aws/permissions.js';
import { ownerOnlyPolicy } from '../../../core/rotation/index.js';
import { DAY_MS } from '../../../core/time.js';
import { motoAvailable } from '../../support/moto.js';
import { MOCK_ACCOUNT, MOCK_REGION } from '../../support/pulumi-program.js';
import { ACCOUNT, type RotationBed, SCOPE_TAG, useRotationSuite } from '../../support/rotation-bed.js';
import { type Decision, type Document, decide, generatedPolicies, KEY_ARN } from './generated-policies.js';

const asOf = new Date('2026-06-01T12:00:00Z');
const later = (days: number) => new Date(asOf.getTime() + days * DAY_MS);
const ROLE_ARN = `arn:aws:iam::${MOCK_ACCOUNT}:role/keywarden-rotation-function`;
const ROLE_ID = 'AROAROTATIONROLE0001:keywarden-rotation';
const SECRETS_MANAGER = `secretsmanager.${MOCK_REGION}.amazonaws.com`;
/** The ARN Secrets Manager gives a secret of this name (the suffix is random in AWS). */
const secretArn = (name: string) =>
  `arn:aws:secretsmanager:${MOCK_REGION}:${MOCK_ACCOUNT}:secret:${name}-AbCdEf`;

interface Captured {
  service: 'iam' | 'secretsmanager';
  command: string;
  input: Record<string, unknown>;
  succeeded: boolean;
}

/** Records every command a client sends, in order, before it leaves (so failed calls count too). */
function capture(client: object, service: Captured['service'], calls: Captured[]): void {
  type Next = (args: { input: Record<string, unknown> }) => Promise<unknown>;
  (
    client as {
      middlewareStack: {
        add(m: (next: Next, context: { commandName?: string }) => Next, o: object): void;
      };
    }
  ).middlewareStack.add(
    (next, context) => async (args) => {
      const call: Captured = {
        service,
        command: String(context.commandName).replace(/Command$/, ''),
        input: structuredClone(args.input),
        succeeded: false,
      };
      calls.push(call);
      const output = await next(args);
      call.succeeded = true;
      return output;
    },
    { step: 'initialize', name: 'keywardenCallCapture' },
  );
}

type Tags = Record<string, string>;
const tagsOf = (input: Record<string, unknown>): Tags =>
  Object.fromEntries(
    ((input['Tags'] ?? []) as { Key: string; Value: string }[]).map((t) => [t.Key, t.Value]),
  );

interface SimulatedCall {
  call: string;
  decision: Decision;
}

/**
 * Each captured call as the request IAM evaluates for the role: its action, resource, the secret's tags
 * before the call (aws:ResourceTag), the request's tags (aws:RequestTag, aws:TagKeys); after a successful
 * PutSecretValue, the two KMS calls Secrets Manager makes with the role's identity for the stack's key.
 */
async function simulateAsRole(
  calls: readonly Captured[],
  rolePolicy: Document,
  keyPolicy: Document,
  secretTags: Map<string, Tags>,
  users: Map<string, Tags>,
): Promise<SimulatedCall[]> {
  const results: SimulatedCall[] = [];
  const asRole = async (
    label: string,
    action: string,
    resource: string,
    resourcePolicy: Document | undefined,
    context: Record<string, string | string[]>,
  ) => {
    const decision = await decide({
      principal: ROLE_ARN,
      identityPolicies: [rolePolicy],
      action,
      resource,
      resourcePolicy,
      context: { 'aws:userid': ROLE_ID, ...context },
    });
    results.push({ call: label, decision });
  };
  for (const call of calls) {
    const action = `${call.service}:${call.command}`;
    if (call.service === 'iam') {
      const userName = call.input['UserName'] as string | undefined;
      const resource = userName ? `arn:aws:iam::${MOCK_ACCOUNT}:user/${userName}` : '*';
      const userTags = userName ? (users.get(userName) ?? {}) : {};
      const context = Object.fromEntries(
        Object.entries(userTags).flatMap(([key, value]) => [
          [`iam:ResourceTag/${key}`, value],
          [`aws:ResourceTag/${key}`, value],
        ]),
      );
      await asRole(action, action, resource, undefined, context);
      continue;
    }
    const name = (call.input['SecretId'] ?? call.input['Name']) as string;
    const arn = secretArn(name);
    const before = secretTags.get(name);
    const requestTags =
      call.command === 'CreateSecret' || call.command === 'TagResource' ? tagsOf(call.input) : {};
    const context: Record<string, string | string[]> = {
      ...Object.fromEntries(
        Object.entries(before ?? {}).map(([key, value]) => [`aws:ResourceTag/${key}`, value]),
      ),
      ...Object.fromEntries(
        Object.entries(requestTags).map(([key, value]) => [`aws:RequestTag/${key}`, value]),
      ),
      ...(Object.keys(requestTags).length > 0 ? { 'aws:TagKeys': Object.keys(requestTags) } : {}),
    };
    // The policy on the secret as the call finds it: the owner-only one once PutResourcePolicy took effect.
    const policy = before?.['#policy'] ? (JSON.parse(before['#policy']) as Document) : undefined;
    for (const key of Object.keys(context)) if (key.includes('#policy')) delete context[key];
    await asRole(
      `${action}${Object.keys(requestTags).length ? ` [${Object.keys(requestTags).join(', ')}]` : ''}`,
      action,
      arn,
      policy,
      context,
    );
    if (!call.succeeded) continue;
    if (call.command === 'CreateSecret') secretTags.set(name, requestTags);
    if (call.command === 'TagResource') secretTags.set(name, { ...before, ...requestTags });
    if (call.command === 'PutResourcePolicy')
      secretTags.set(name, { ...before, '#policy': String(call.input['ResourcePolicy']) });
    if (call.command === 'PutSecretValue') {
      const viaSecretsManager = {
        'kms:ViaService': SECRETS_MANAGER,
        'kms:CallerAccount': MOCK_ACCOUNT,
        'kms:EncryptionContext:SecretARN': arn,
      };
      for (const kmsAction of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        await asRole(`${kmsAction} (for PutSecretValue)`, kmsAction, KEY_ARN, keyPolicy, viaSecretsManager);
      }
    }
  }
  return results;
}

const secretCalls = (calls: readonly Captured[]) =>
  calls
    .filter((call) => call.service === 'secretsmanager')
    .map((call) =>
      call.command === 'TagResource'
        ? `TagResource ${Object.keys(tagsOf(call.input)).sort().join(',')}`
        : call.command,
    );

describe.skipIf(!motoAvailable())(
  'the rotation role and the calls the executor makes, simulated in order',
  () => {
    let bed: RotationBed;
    let rolePolicy: Document;
    let keyPolicy: Document;
    const users = new Map<string, Tags>([['alice', SCOPE_TAG]]);
    useRotationSuite(
      asOf,
      [{ name: 'alice', tags: SCOPE_TAG, keys: [{ ageDays: 81, lastUsedDaysAgo: 1 }] }],
      (_moto, ready) => {
        bed = ready;
      },
    );
    beforeAll(async () => {
      ({ rolePolicy, keyPolicy } = await generatedPolicies());
    }, 60_000);

    /** One run of the engine at `at`, with the stack's key, every IAM and Secrets Manager call captured. */
    async function capturedRun(at: Date): Promise<Captured[]> {
      const calls: Captured[] = [];
      capture(bed.iam, 'iam', calls);
      capture(bed.secrets, 'secretsmanager', calls);
      bed.setNow(at);
      await bed.run({ kmsKeyId: KEY_ARN });
      bed.iam.middlewareStack.remove('keywardenCallCapture');
      bed.secrets.middlewareStack.remove('keywardenCallCapture');
      return calls;
    }

    it('allows every call of a first rotation and of a later one on the owned secret, and the KMS calls of each store', async () => {
      // Act: the first rotation (no secret yet), then deactivation, deletion, and the next rotation 81 days on.
      const first = await capturedRun(asOf);
      const between = [...(await capturedRun(later(7))), ...(await capturedRun(later(14)))];
      const next = await capturedRun(later(81));
      const secretTags = new Map<string, Tags>();
      const simulated = await simulateAsRole(
        [...first, ...between, ...next],
        rolePolicy,
        keyPolicy,
        secretTags,
        users,
      );

      // Assess: the calls are the ones the brief names, in order, and the role may make every one of them.
      expect(secretCalls(first)).toEqual([
        'DescribeSecret',
        // read again under the user's lease
        'DescribeSecret',
        'CreateSecret',
        'PutResourcePolicy',
        `TagResource ${OWNER_ID_TAG},keywarden:user`,
        'PutSecretValue',
        'UpdateSecretVersionStage',
        'TagResource keywarden:deactivated,keywarden:notified,keywarden:pending',
      ]);
      expect(secretCalls(next)).toContain('PutSecretValue');
      expect(secretCalls([...between, ...next])).not.toContain('PutResourcePolicy');
      expect(simulated.filter((s) => s.decision !== 'Allowed')).toEqual([]);
      expect(simulated.filter((s) => s.call.startsWith('kms:')).map((s) => s.call)).toEqual([
        'kms:GenerateDataKey (for PutSecretValue)',
        'kms:Decrypt (for PutSecretValue)',
        'kms:GenerateDataKey (for PutSecretValue)',
        'kms:Decrypt (for PutSecretValue)',
      ]);
    }, 120_000);

    it('refuses the role the binding of a secret whose owner tag is empty, yet not a store: why the engine blocks it', async () => {
      // Prepare: the tag is there with no value (Null asks whether the key exists, not what it holds).
      const name = `keywarden/${ACCOUNT}/alice`;
      const context = { 'aws:userid': ROLE_ID, [`aws:ResourceTag/${OWNER_ID_TAG}`]: '' };
      const asRole = (action: string, extra: Record<string, string | string[]> = {}) =>
        decide({
          principal: ROLE_ARN,
          identityPolicies: [rolePolicy],
          action,
          resource: secretArn(name),
          resourcePolicy: undefined,
          context: { ...context, ...extra },
        });

      // Act
      const policy = await asRole('secretsmanager:PutResourcePolicy');
      const tag = await asRole('secretsmanager:TagResource', {
        [`aws:RequestTag/${OWNER_ID_TAG}`]: 'AIDAALICE',
        'aws:TagKeys': [OWNER_ID_TAG, 'keywarden:user'],
      });
      const store = await asRole('secretsmanager:PutSecretValue');

      // Assess: it cannot be bound, and a store would land under a policy nobody checked (planner: blocked).
      expect(policy).toBe('ExplicitlyDenied');
      expect(tag).toBe('ExplicitlyDenied');
      expect(store).toBe('Allowed');
    }, 120_000);

    it('still refuses the role GetSecretValue and a direct kms:Decrypt after it made those calls', async () => {
      // Prepare: alice's secret as the first rotation leaves it.
      const first = await capturedRun(asOf);
      const name = `keywarden/${ACCOUNT}/alice`;
      const bound = first.find(
        (call) => call.command === 'TagResource' && OWNER_ID_TAG in tagsOf(call.input),
      );
      const ownerId = tagsOf(bound?.input ?? {})[OWNER_ID_TAG] as string;
      const owned = {
        policy: ownerOnlyPolicy(`arn:aws:iam::${MOCK_ACCOUNT}:user/alice`, ownerId) as Document,
        context: { 'aws:userid': ROLE_ID, [`aws:ResourceTag/${OWNER_ID_TAG}`]: ownerId },
      };
      const asRole = (
        action: string,
        resource: string,
        resourcePolicy: Document | undefined,
        context: Record<string, string>,
      ) =>
        decide({
          principal: ROLE_ARN,
          identityPolicies: [rolePolicy],
          action,
          resource,
          resourcePolicy,
          context,
        });

      // Act
      const read = await asRole(
        'secretsmanager:GetSecretValue',
        secretArn(name),
        owned.policy,
        owned.context,
      );
      const direct = await asRole('kms:Decrypt', KEY_ARN, keyPolicy, {
        'aws:userid': ROLE_ID,
        'kms:CallerAccount': MOCK_ACCOUNT,
      });
      const viaLambda = await asRole('kms:Decrypt', KEY_ARN, keyPolicy, {
        'aws:userid': ROLE_ID,
        'kms:CallerAccount': MOCK_ACCOUNT,
        'kms:ViaService': `lambda.${MOCK_REGION}.amazonaws.com`,
      });
      const otherSecret = await asRole('kms:Decrypt', KEY_ARN, keyPolicy, {
        'aws:userid': ROLE_ID,
        'kms:CallerAccount': MOCK_ACCOUNT,
        'kms:ViaService': SECRETS_MANAGER,
        'kms:EncryptionContext:SecretARN': secretArn('other/db-password'),
      });

      // Assess
      expect(read).toBe('ExplicitlyDenied');
      expect(direct).toBe('ExplicitlyDenied');
      expect(viaLambda).toBe('ExplicitlyDenied');
      expect(otherSecret).not.toBe('Allowed');
    }, 120_000);
  },
);
