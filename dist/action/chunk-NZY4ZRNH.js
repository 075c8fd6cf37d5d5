import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
var t=["exempt","root-key","overdue","expiring","superseded","unused","stale","compliant"],r="<root_account>";function n(e){return e.user===r||e.userArn.endsWith(":root")}export{t as a,r as b,n as c};
