import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
function t(n){return/^arn:aws[\w-]*:iam::(\d{12}):/.exec(n)?.[1]??"unknown"}var r=/^arn:(aws[\w-]*):kms:([a-z0-9-]+):(\d{12}):key\/([A-Za-z0-9-]{1,128})$/;function e(n){return r.exec(n)?.[2]??null}export{t as a,r as b,e as c};
