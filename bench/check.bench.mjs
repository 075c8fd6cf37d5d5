// How fast `keywarden check` reads big inputs, as whole processes measured in the same run (interleaved, so that
// load on the machine hits every command alike): a Terraform plan of 5,000 resources and a CloudFormation template
// of 2,000 (JSON, and YAML with short intrinsic tags), each against `node -e 0` and against a process that only
// reads the same file and parses it with JSON.parse (the least any checker must do). Time (median wall) and peak
// resident memory (/usr/bin/time). Targets: check ≤ 3.0× the JSON.parse process's time and ≤ 2.5× its memory;
// for the YAML template, whose cost is the YAML parser's, also against a process that only parses it with the
// `yaml` library keywarden uses (parseDocument, unknown tags left as they are): check ≤ 1.5× its time and memory.
// `KEYWARDEN_BENCH_RUNS=3 node bench/check.bench.mjs` for a quick look (default 7 runs each).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const ROOT = join(import.meta.dirname, '..');
const RUNS = Number(process.env.KEYWARDEN_BENCH_RUNS ?? 7);
const NODE = process.execPath;
const dir = mkdtempSync(join(tmpdir(), 'kw-check-bench-'));
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const verdict = (ok) => (ok ? 'met' : 'MISSED');
const hasTime = (() => {
  try {
    return statSync('/usr/bin/time').isFile();
  } catch {
    return false;
  }
})();

/** Wall time and peak memory of one process (exit 0 or 1: check exits 1 on its findings). */
function timed(args) {
  const command = hasTime ? '/usr/bin/time' : NODE;
  const argv = hasTime ? ['-f', 'maxrss=%M', NODE, ...args] : args;
  const started = performance.now();
  const result = spawnSync(command, argv, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: dir, NODE_COMPILE_CACHE: join(dir, 'cache') },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - started;
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const rss = /maxrss=(\d+)/.exec(result.stderr ?? '');
  return { ms, rssMb: rss ? Number(rss[1]) / 1024 : undefined };
}

// A plan as `terraform show -json` writes it (shapes from the committed fixture, made by Terraform 1.11):
// users, their keys and, as in a real account, many other resources with attributes of their own.
const fixturePlan = JSON.parse(
  readFileSync(join(ROOT, 'test/core/iac/fixtures/terraform/plan.json'), 'utf8'),
);
const sample = (type) => fixturePlan.resource_changes.find((change) => change.type === type);
function bigPlan(count) {
  const changes = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 5;
    if (kind === 0 || kind === 1) {
      const base = structuredClone(sample(kind === 0 ? 'aws_iam_user' : 'aws_iam_access_key'));
      base.address = `module.team${i % 50}.${base.type}.r${i}`;
      base.name = `r${i}`;
      if (kind === 0)
        base.change.after = {
          ...base.change.after,
          name: `user-${i}`,
          tags: { 'keywarden:rotation': i % 10 === 0 ? 'Enabled' : 'enabled', team: `t${i % 50}` },
        };
      else base.change.after = { ...base.change.after, user: `user-${i - 1}` };
      changes.push(base);
    } else {
      const after = Object.fromEntries(
        Array.from({ length: 24 }, (_, a) => [`attribute_${a}`, `value-${i}-${a}-${'x'.repeat(16)}`]),
      );
      changes.push({
        address: `module.team${i % 50}.aws_s3_bucket.b${i}`,
        module_address: `module.team${i % 50}`,
        mode: 'managed',
        type: 'aws_s3_bucket',
        name: `b${i}`,
        provider_name: 'registry.terraform.io/hashicorp/aws',
        change: {
          actions: ['create'],
          before: null,
          after,
          after_unknown: { arn: true, id: true },
          before_sensitive: false,
          after_sensitive: {},
        },
      });
    }
  }
  return {
    ...fixturePlan,
    resource_changes: changes,
    planned_values: {},
    configuration: fixturePlan.configuration,
  };
}

function bigTemplate(count) {
  const resources = {};
  for (let i = 0; i < count; i++) {
    const kind = i % 4;
    if (kind === 0)
      resources[`User${i}`] = {
        Type: 'AWS::IAM::User',
        Properties: {
          UserName: `user-${i}`,
          Tags: [{ Key: 'keywarden:rotation', Value: i % 8 === 0 ? 'Enabled' : 'enabled' }],
        },
      };
    else if (kind === 1)
      resources[`Key${i}`] = {
        Type: 'AWS::IAM::AccessKey',
        Properties: { UserName: { Ref: `User${i - 1}` } },
      };
    else
      resources[`Queue${i}`] = {
        Type: 'AWS::SQS::Queue',
        Properties: {
          QueueName: { 'Fn::Sub': `q${i}-\${AWS::StackName}` },
          VisibilityTimeout: 30,
          Tags: [{ Key: 'team', Value: `t${i % 50}` }],
        },
      };
  }
  return { AWSTemplateFormatVersion: '2010-09-09', Resources: resources };
}

/** The template as YAML with short tags, as people write it. */
function toYaml(template) {
  const lines = ["AWSTemplateFormatVersion: '2010-09-09'", 'Resources:'];
  for (const [id, resource] of Object.entries(template.Resources)) {
    lines.push(`  ${id}:`, `    Type: ${resource.Type}`, '    Properties:');
    for (const [name, value] of Object.entries(resource.Properties)) {
      if (name === 'Tags') {
        lines.push(
          '      Tags:',
          ...value.flatMap((tag) => [`        - Key: '${tag.Key}'`, `          Value: ${tag.Value}`]),
        );
      } else if (typeof value === 'object' && 'Ref' in value) lines.push(`      ${name}: !Ref ${value.Ref}`);
      else if (typeof value === 'object') lines.push(`      ${name}: !Sub '${value['Fn::Sub']}'`);
      else lines.push(`      ${name}: ${value}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const inputs = [
  ['Terraform plan, 5,000 resources', 'plan.json', JSON.stringify(bigPlan(5000))],
  [
    'CloudFormation template, 2,000 resources (JSON)',
    'template.json',
    JSON.stringify(bigTemplate(2000), null, 1),
  ],
  ['CloudFormation template, 2,000 resources (YAML, short tags)', 'template.yaml', toYaml(bigTemplate(2000))],
];
for (const [, file, text] of inputs) writeFileSync(join(dir, file), text);
// The JSON.parse baseline of the YAML template is the same template's JSON.
const jsonOf = {
  'plan.json': 'plan.json',
  'template.json': 'template.json',
  'template.yaml': 'template.json',
};
const checkArgs = (file) => [
  'bin/keywarden.js',
  'check',
  join(dir, file),
  '--format',
  'json',
  '--output',
  join(dir, 'out.json'),
  '--as-of',
  '2026-11-28',
];
const parseArgs = (file) => [
  '-e',
  `JSON.parse(require('node:fs').readFileSync(${JSON.stringify(join(dir, file))}, 'utf8'))`,
];
const yamlArgs = (file) => [
  '-e',
  `require('yaml').parseDocument(require('node:fs').readFileSync(${JSON.stringify(join(dir, file))}, 'utf8'))`,
];

// Warm Node's compile cache first (what a person's second run finds).
for (const [, file] of inputs) timed(checkArgs(file));
const samples = Object.fromEntries(
  inputs.map(([, file]) => [
    file,
    {
      check: [],
      parse: [],
      yaml: [],
      yamlRss: [],
      baseline: [],
      checkRss: [],
      parseRss: [],
      baselineRss: [],
    },
  ]),
);
for (let run = 0; run < RUNS; run++) {
  for (const [, file] of inputs) {
    const s = samples[file];
    const baseline = timed(['-e', '0']);
    const parse = timed(parseArgs(jsonOf[file]));
    const check = timed(checkArgs(file));
    if (file.endsWith('.yaml')) {
      const yaml = timed(yamlArgs(file));
      s.yaml.push(yaml.ms);
      if (yaml.rssMb !== undefined) s.yamlRss.push(yaml.rssMb);
    }
    s.baseline.push(baseline.ms);
    s.parse.push(parse.ms);
    s.check.push(check.ms);
    if (check.rssMb !== undefined) {
      s.baselineRss.push(baseline.rssMb);
      s.parseRss.push(parse.rssMb);
      s.checkRss.push(check.rssMb);
    }
  }
}
const report = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8'));
console.log(
  `${RUNS} runs each, interleaved; medians. Last check: ${report.summary.resources} resources, ${report.summary.mandatory} mandatory findings.\n`,
);
for (const [title, file, text] of inputs) {
  const s = samples[file];
  const [check, parse, baseline] = [median(s.check), median(s.parse), median(s.baseline)];
  const yaml = s.yaml.length > 0 ? median(s.yaml) : undefined;
  const targeted = (ratio, target) =>
    yaml === undefined ? ` (target ≤ ${target}×: ${verdict(ratio <= target)})` : '';
  console.log(`${title}: ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MB`);
  console.log(`  node -e 0                      ${baseline.toFixed(0).padStart(6)} ms`);
  console.log(`  JSON.parse alone (same data)   ${parse.toFixed(0).padStart(6)} ms`);
  if (yaml !== undefined) console.log(`  yaml parseDocument alone       ${yaml.toFixed(0).padStart(6)} ms`);
  console.log(
    `  keywarden check                ${check.toFixed(0).padStart(6)} ms   ${(check / baseline).toFixed(2)}× node -e 0, ${(check / parse).toFixed(2)}× JSON.parse${targeted(check / parse, 3)}${yaml === undefined ? '' : `, ${(check / yaml).toFixed(2)}× yaml alone (target ≤ 1.5×: ${verdict(check / yaml <= 1.5)})`}`,
  );
  if (s.checkRss.length > 0) {
    const [checkRss, parseRss, baselineRss] = [median(s.checkRss), median(s.parseRss), median(s.baselineRss)];
    const yamlRss = s.yamlRss.length > 0 ? median(s.yamlRss) : undefined;
    console.log(
      `  peak memory: node -e 0 ${baselineRss.toFixed(0)} MB, JSON.parse ${parseRss.toFixed(0)} MB${yamlRss === undefined ? '' : `, yaml alone ${yamlRss.toFixed(0)} MB`}, check ${checkRss.toFixed(0)} MB   ${(checkRss / parseRss).toFixed(2)}× JSON.parse${targeted(checkRss / parseRss, 2.5)}${yamlRss === undefined ? '' : `, ${(checkRss / yamlRss).toFixed(2)}× yaml alone (target ≤ 1.5×: ${verdict(checkRss / yamlRss <= 1.5)})`}`,
    );
  }
  console.log('');
}
rmSync(dir, { recursive: true, force: true });
