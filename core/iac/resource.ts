/**
 * What `keywarden check` reads from any IaC tool: the resources its rules judge, in one tool-neutral shape, each
 * with the address a person finds it by and where it is written. Values the tool knows only at apply time are
 * core/infra's UNKNOWN.
 */
import type { IacWords } from '../infra/access-keys.js';
import type { MaybeKnown } from '../infra/unknown.js';
import type { DeclaredTrailBucket } from '../infra/worm.js';

export type IacFormat = 'terraform-plan' | 'cloudformation-template' | 'cdk-assembly';

interface Located {
  /** Terraform address, CloudFormation logical ID, or CDK stack/logical ID. */
  address: string;
  /** The tool's resource type: aws_iam_access_key, AWS::IAM::AccessKey. */
  type: string;
  /** How a message names the resource: the Terraform address, else `AWS::IAM::AccessKey "AppKey"`. */
  label: string;
  /** The file the resource is written in, as the person named it (relative to the working directory). */
  file: string;
  /** 1-based line of the resource in that file, where its text gives one. */
  line?: number;
}

export interface IacAccessKey extends Located {
  kind: 'access-key';
  user: MaybeKnown<string>;
  status: MaybeKnown<unknown>;
}

export interface IacUser extends Located {
  kind: 'user';
  /** The user name; undefined when the tool generates one (CloudFormation without UserName). */
  name: MaybeKnown<string> | undefined;
  tags: MaybeKnown<Record<string, MaybeKnown<string>>>;
}

/** An S3 bucket tagged as keywarden's audit trail (keywarden:purpose=audit-trail), with what makes it write-once. */
export interface IacTrailBucket extends Located {
  kind: 'trail-bucket';
  /** Read from the bucket and the resources that configure it. */
  declared: DeclaredTrailBucket;
}

export type IacResource = IacAccessKey | IacUser | IacTrailBucket;

/** One plan, template or CDK stack that was read. */
export interface IacInput {
  /** The path as the person named it (a CDK stack: its template in the assembly). */
  file: string;
  format: IacFormat;
  /** A CDK stack's display name. */
  stack?: string;
  /** The AWS account the resources are deployed to, or '' when the input does not fix one. */
  account: string;
  /** How many resources the input declares (all types), for the summary. */
  resourceCount: number;
  /** The resources the rules judge (access keys and users). */
  resources: IacResource[];
  words: IacWords;
}

const EXEMPTIONS_HOME = 'the keywarden config (keywarden.yml)';

/** How each tool's findings name things. */
export const TOOL_WORDS = {
  terraform: {
    keyType: 'aws_iam_access_key',
    userType: 'aws_iam_user',
    secretFate: 'its secret is kept in the Terraform state',
    exemptionsHome: EXEMPTIONS_HOME,
  },
  cloudformation: {
    keyType: 'AWS::IAM::AccessKey',
    userType: 'AWS::IAM::User',
    secretFate: 'its secret reaches whatever the template passes Fn::GetAtt SecretAccessKey to',
    exemptionsHome: EXEMPTIONS_HOME,
  },
  cdk: {
    keyType: 'iam.AccessKey (AWS::IAM::AccessKey)',
    userType: 'iam.User (AWS::IAM::User)',
    secretFate: 'its secret reaches whatever the app passes secretAccessKey to',
    exemptionsHome: EXEMPTIONS_HOME,
  },
} as const satisfies Record<string, IacWords>;
