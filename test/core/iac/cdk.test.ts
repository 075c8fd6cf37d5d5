import { fileURLToPath } from 'node:url';
import { Manifest } from '@aws-cdk/cloud-assembly-schema';
import { describe, expect, it } from 'vitest';
import { assemblyStacks } from '../../../core/iac/cdk.js';
import { readIacPath } from '../../../core/iac/read.js';
import { UNKNOWN } from '../../../core/infra/unknown.js';

const assembly = fileURLToPath(new URL('./fixtures/cdk.out', import.meta.url));
const cwd = fileURLToPath(new URL('./fixtures', import.meta.url));

describe('the hand-made cdk.out fixture', () => {
  it('is a cloud assembly the CDK itself loads (its manifest schema and version check)', () => {
    for (const manifest of ['manifest.json', 'assembly-Prod/manifest.json']) {
      expect(() => Manifest.loadAssemblyManifest(`${assembly}/${manifest}`)).not.toThrow();
    }
  });
});

describe('reading a CDK cloud assembly', () => {
  it('finds every stack, those of nested assemblies (Stages) too, with the account its environment fixes', async () => {
    // Act
    const stacks = await assemblyStacks(assembly, 'cdk.out');

    // Assess
    expect(stacks).toEqual([
      {
        name: 'KeywardenAppStack',
        templateFile: `${assembly}/KeywardenAppStack.template.json`,
        account: '123456789012',
      },
      {
        name: 'Prod/ServiceStack',
        templateFile: `${assembly}/assembly-Prod/ProdServiceStack.template.json`,
        account: '',
      },
    ]);
  });

  it('addresses each resource by stack and logical ID, in its template file, with its line', async () => {
    const inputs = await readIacPath('cdk.out', cwd);

    expect(inputs.map((input) => [input.file, input.stack, input.format, input.resourceCount])).toEqual([
      ['cdk.out/KeywardenAppStack.template.json', 'KeywardenAppStack', 'cdk-assembly', 5],
      ['cdk.out/assembly-Prod/ProdServiceStack.template.json', 'Prod/ServiceStack', 'cdk-assembly', 2],
    ]);
    expect(inputs[1]?.resources).toEqual([
      expect.objectContaining({
        kind: 'user',
        address: 'Prod/ServiceStack/Service9571FDD8',
        name: undefined,
        line: 3,
      }),
      expect.objectContaining({
        kind: 'access-key',
        address: 'Prod/ServiceStack/ServiceKey8E6A4F7A',
        user: UNKNOWN,
        line: 17,
      }),
    ]);
  });

  it('reads the same assembly when given its manifest.json', async () => {
    expect(await readIacPath('cdk.out/manifest.json', cwd)).toEqual(await readIacPath('cdk.out', cwd));
  });

  it('refuses a directory that is not an assembly, in one line', async () => {
    await expect(readIacPath('cloudformation', cwd)).rejects.toThrow(
      'cloudformation: a directory, but not a CDK cloud assembly (no readable manifest.json)',
    );
  });
});
