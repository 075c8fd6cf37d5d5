import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
var e="<root_account>";function t(r){return r.user===e||r.userArn.endsWith(":root")}function s(r){return/^arn:aws[\w-]*:iam::(\d{12}):/.exec(r)?.[1]??"unknown"}var o=/^arn:(aws[\w-]*):kms:([a-z0-9-]+):(\d{12}):key\/([A-Za-z0-9-]{1,128})$/;export{e as a,t as b,s as c,o as d};
