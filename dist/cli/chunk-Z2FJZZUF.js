import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
var r="<root_account>";function t(e){return e.user===r||e.userArn.endsWith(":root")}export{r as a,t as b};
