/**
 * What `keywarden check` reads from a path: a Terraform/OpenTofu plan (JSON), a CloudFormation template
 * (JSON or YAML), or a CDK cloud assembly (its directory, or its manifest.json). Anything else is one line and
 * exit 2: never a silently skipped file.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UsageError } from '../errors.js';
import { assemblyStacks, looksLikeManifest } from './cdk.js';
import {
  looksLikeTemplate,
  parseTemplate,
  parseTemplateDocument,
  resourceLinesOfJson,
  templateResources,
  validTemplate,
} from './cloudformation.js';
import { type IacInput, TOOL_WORDS } from './resource.js';
import { looksLikePlan, planResourceCount, planResources, validPlan } from './terraform.js';

/** A path as findings show it: relative to the working directory, with forward slashes. */
export function shownPath(path: string, cwd: string): string {
  const relativePath = relative(cwd, resolve(cwd, path));
  const shown =
    relativePath === ''
      ? '.'
      : relativePath.startsWith('..') || isAbsolute(relativePath)
        ? resolve(cwd, path)
        : relativePath;
  return shown.split(sep).join('/');
}

const ZIP_MAGIC = 'PK\u0003\u0004';

/** Every plan, template or CDK stack at `path` (relative to `cwd`). */
export async function readIacPath(path: string, cwd: string): Promise<IacInput[]> {
  const absolute = resolve(cwd, path);
  const shown = shownPath(path, cwd);
  const stats = await stat(absolute).catch((err: unknown) => {
    throw new UsageError(`${shown}: cannot be read (${describeFsError(err)})`, { cause: err });
  });
  if (stats.isDirectory()) return readAssembly(absolute, cwd);
  const text = await readFile(absolute, 'utf8').catch((err: unknown) => {
    throw new UsageError(`${shown}: cannot be read (${describeFsError(err)})`, { cause: err });
  });
  if (text.startsWith(ZIP_MAGIC)) {
    throw new UsageError(
      `${shown}: a binary plan file: check its JSON instead (terraform show -json ${shown} > plan.json)`,
    );
  }
  const isJson = /^\s*[{[]/.test(text);
  let document: unknown;
  let lines: Map<string, number> | undefined;
  if (isJson) {
    try {
      document = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`${shown}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  } else {
    ({ document, lines } = await parseTemplateDocument(text, shown));
  }
  if (looksLikePlan(document)) {
    const plan = validPlan(document, shown);
    return [
      {
        file: shown,
        format: 'terraform-plan',
        account: '',
        resourceCount: planResourceCount(plan),
        resources: planResources(plan, shown),
        words: TOOL_WORDS.terraform,
      },
    ];
  }
  if (looksLikeTemplate(document)) {
    const template = validTemplate(document, shown);
    const parsed = { template, lines: lines ?? resourceLinesOfJson(text) };
    return [
      {
        file: shown,
        format: 'cloudformation-template',
        account: '',
        resourceCount: Object.keys(template.Resources).length,
        resources: templateResources(parsed, shown, (logicalId) => logicalId),
        words: TOOL_WORDS.cloudformation,
      },
    ];
  }
  if (looksLikeManifest(document) && basename(absolute) === 'manifest.json') {
    return readAssembly(dirname(absolute), cwd);
  }
  throw new UsageError(
    `${shown}: neither a Terraform plan (terraform show -json: format_version, resource_changes) nor a CloudFormation template (Resources) nor a CDK assembly manifest`,
  );
}

async function readAssembly(directory: string, cwd: string): Promise<IacInput[]> {
  const stacks = await assemblyStacks(directory, shownPath(directory, cwd));
  return Promise.all(
    stacks.map(async (stack): Promise<IacInput> => {
      const file = shownPath(stack.templateFile, cwd);
      const text = await readFile(stack.templateFile, 'utf8').catch((err: unknown) => {
        throw new UsageError(
          `${file}: template of stack ${stack.name} cannot be read (${describeFsError(err)})`,
          {
            cause: err,
          },
        );
      });
      const parsed = await parseTemplate(text, file);
      return {
        file,
        format: 'cdk-assembly',
        stack: stack.name,
        account: stack.account,
        resourceCount: Object.keys(parsed.template.Resources).length,
        resources: templateResources(parsed, file, (logicalId) => `${stack.name}/${logicalId}`),
        words: TOOL_WORDS.cdk,
      };
    }),
  );
}

function describeFsError(err: unknown): string {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'a directory';
  return err instanceof Error ? err.message : String(err);
}
