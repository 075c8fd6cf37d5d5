// The CLI's one vocabulary of options: each option that more than one command takes is defined here once, so
// that `--config`, `--trail-file`, `--trail-bucket`, `--trail-prefix`, `--output` and `--format` mean the same
// on every command. Commands add them with `.addOption(…)`; old spellings stay as hidden aliases.
import { InvalidArgumentError, Option } from 'commander';
import { describeWholeRange, parseWholeInRange, type WholeRange } from '../core/policy/settings.js';

/** The name that means standard output (for --output) or standard input (for an input file). */
export const STANDARD_STREAM = '-';

/** Commander argument parser for a whole number within a core range, with the range in its message. */
export function wholeNumber(range: WholeRange) {
  return (value: string): number => {
    const number = parseWholeInRange(value, range);
    if (number === undefined) throw new InvalidArgumentError(`must be ${describeWholeRange(range)}`);
    return number;
  };
}

/**
 * A hidden old spelling of an option: its value lands where `target`'s does (an attribute name such as
 * 'output'), so commander's checks (required options, conflicts) see one option.
 */
export function aliasOf(flags: string, target: string): Option {
  const alias = new Option(flags).hideHelp();
  alias.attributeName = () => target;
  return alias;
}

export function configOption(): Option {
  return new Option('--config <file>', 'keywarden.yml (default: ./keywarden.yml, .yaml or .json if present)');
}

/** `--output`: a file, or `-` for standard output. */
export function outputOption(what: string): Option {
  return new Option('--output <file>', `write ${what} to this file (- = standard output)`);
}

/** `--format` with the formats a command can write; the first one is the default. */
export function formatOption(formats: readonly [string, ...string[]]): Option {
  return new Option('--format <format>', 'output format').choices(formats).default(formats[0]);
}

/** `--trail-file`, `--trail-bucket`, `--trail-prefix`: where trail records are (`use` says what for). */
export function trailFileOption(use: string): Option {
  return new Option('--trail-file <file>', `${use} this local JSONL trail`);
}

export function trailBucketOption(use: string): Option {
  return new Option('--trail-bucket <bucket>', `${use} this S3 trail bucket (Object Lock)`);
}

export function trailPrefixOption(): Option {
  return new Option(
    '--trail-prefix <prefix>',
    'key prefix of the records in --trail-bucket (default: trail/)',
  );
}

/** `--trail-signing-key`: the KMS key (ARN) that signs every record a command writes, and that verify trusts. */
export function trailSigningKeyOption(use: string): Option {
  return new Option(
    '--trail-signing-key <arn>',
    `${use} (a KMS key ARN, ECC_NIST_P256 SIGN_VERIFY; default: the config's trail.signingKey)`,
  );
}

/** `--lease-bucket`: where overlapping runs take turns on a user (over the config's `rotation.lease.bucket`). */
export function leaseBucketOption(): Option {
  return new Option(
    '--lease-bucket <bucket>',
    'S3 bucket (no Object Lock) holding the per-user leases (default: rotation.lease.bucket in the config)',
  );
}
