import { readFileSync, writeFileSync } from 'node:fs';
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, it } from 'vitest';
import main from '../../../stacks/rotation/index.js';
import { runProgram } from '../../support/pulumi-program.js';

const PROJECT = 'keywarden-rotation';
const FIXTURE = new URL('./fixtures/urns.json', import.meta.url);
const HANDLER_CODE = 'export const handler = async () => ({});';
const CONFIG = { notificationEmails: ['security@example.com', 'iam-owners@example.com'] };

interface RegisteredUrn {
  urn: string;
  type: string;
  name: string;
  parent: string;
}

/** Every resource registration's URN, type, name and parent, read at the mock monitor as the engine would see it. */
async function registeredUrns(): Promise<RegisteredUrn[]> {
  const seen: RegisteredUrn[] = [];
  await runProgram(
    PROJECT,
    () => {
      const monitor = pulumi.runtime.getMonitor() as unknown as {
        newUrn(parent: string, type: string, name: string): string;
        registerResource(
          request: { getName(): string; getType(): string; getParent(): string },
          callback: unknown,
        ): unknown;
      };
      const register = monitor.registerResource.bind(monitor);
      monitor.registerResource = (request, callback) => {
        const [type, name, parent] = [request.getType(), request.getName(), request.getParent()];
        seen.push({ urn: monitor.newUrn(parent, type, name), type, name, parent });
        return register(request, callback);
      };
      return main({ asOf: new Date('2026-11-28T06:00:00Z'), handlerCode: HANDLER_CODE });
    },
    CONFIG,
  );
  return seen.sort((a, b) => a.urn.localeCompare(b.urn));
}

describe('keywarden-rotation resource identities', () => {
  it('registers every resource under the URN it had before the program was split into groups', async () => {
    // Prepare
    if (process.env['KEYWARDEN_RECORD_URNS'] === '1') {
      writeFileSync(FIXTURE, `${JSON.stringify(await registeredUrns(), null, 2)}\n`);
    }
    const recorded = JSON.parse(readFileSync(FIXTURE, 'utf8')) as RegisteredUrn[];

    // Act
    const urns = await registeredUrns();

    // Assess
    expect(urns).toEqual(recorded);
  });
});
