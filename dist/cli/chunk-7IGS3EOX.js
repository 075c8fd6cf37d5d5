import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
var t=90,A=50,S=100,_={min:1,max:90,default:90},o={min:1,max:1e5,default:100};export{t as a,A as b,S as c,_ as d,o as e};
