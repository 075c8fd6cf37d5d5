/**
 * The published SARIF 2.1.0 JSON schema, as Microsoft's SARIF SDK ships it (@microsoft/jest-sarif: rtm.5, the
 * version SchemaStore serves as sarif-2.1.0.json, the $schema GitHub's documentation names): not written here.
 * A draft-04 schema, hence ajv's draft-04 build.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';

const schemaFile = createRequire(import.meta.url).resolve(
  '@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json',
);
// unicodeRegExp off: the schema's language pattern ('^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$') is valid only without the u flag.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);

/** Validates a SARIF log; its `errors` name what is wrong after a false. */
export const validateSarif = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')) as object);
