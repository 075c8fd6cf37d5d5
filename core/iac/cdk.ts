/**
 * A CDK cloud assembly (`cdk synth`'s output directory, cdk.out): its manifest.json names each stack's template
 * (artifacts of type aws:cloudformation:stack) and nested assemblies (Stages, type cdk:cloud-assembly).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';
import { UsageError } from '../errors.js';

const artifactSchema = z
  .object({
    type: z.string(),
    environment: z.string().optional(),
    displayName: z.string().optional(),
    properties: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export const manifestSchema = z
  .object({ version: z.string(), artifacts: z.record(z.string(), artifactSchema).default({}) })
  .loose();

/** Whether a parsed document claims to be an assembly manifest. */
export function looksLikeManifest(document: unknown): boolean {
  return (
    typeof document === 'object' && document !== null && 'artifacts' in document && 'version' in document
  );
}

export interface CdkStack {
  /** The stack's display name (Stage/Stack for a stack in a Stage). */
  name: string;
  /** Its template, a path inside the assembly directory. */
  templateFile: string;
  /** The account of `aws://ACCOUNT/REGION`, or '' when the app left it open (unknown-account). */
  account: string;
}

const textProperty = (properties: Record<string, unknown> | undefined, name: string) => {
  const value = properties?.[name];
  return typeof value === 'string' ? value : undefined;
};

/** Every stack of the assembly in `directory` and of its nested assemblies; `shown` names it in messages. */
export async function assemblyStacks(directory: string, shown: string): Promise<CdkStack[]> {
  const manifestFile = join(directory, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestFile, 'utf8');
  } catch (err) {
    throw new UsageError(`${shown}: a directory, but not a CDK cloud assembly (no readable manifest.json)`, {
      cause: err,
    });
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${join(shown, 'manifest.json')}: not valid JSON`, { cause: err });
  }
  const parsed = manifestSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `${join(shown, 'manifest.json')}: not a CDK cloud assembly manifest: ${issue?.path.map(String).join('.') || 'the manifest'}: ${issue?.message}`,
    );
  }
  const stacks: CdkStack[] = [];
  for (const [id, artifact] of Object.entries(parsed.data.artifacts)) {
    if (artifact.type === 'aws:cloudformation:stack') {
      const templateFile = textProperty(artifact.properties, 'templateFile');
      if (!templateFile) {
        throw new UsageError(`${join(shown, 'manifest.json')}: stack ${id} names no templateFile`);
      }
      const account = /^aws:\/\/(\d{12})\//.exec(artifact.environment ?? '')?.[1] ?? '';
      stacks.push({ name: artifact.displayName ?? id, templateFile: join(directory, templateFile), account });
    } else if (artifact.type === 'cdk:cloud-assembly') {
      const nested = textProperty(artifact.properties, 'directoryName');
      if (nested) stacks.push(...(await assemblyStacks(join(directory, nested), join(shown, nested))));
    }
  }
  return stacks;
}
