import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
function r(n){return/^arn:aws[\w-]*:iam::(\d{12}):/.exec(n)?.[1]??"unknown"}function t(n){return/^arn:(aws[\w-]*):/.exec(n)?.[1]??"aws"}export{r as a,t as b};
