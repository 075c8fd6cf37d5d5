import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as e,b as r}from"./chunk-BUVLTLG5.js";var p=r((s,i)=>{i.exports=e("os")});var q=r((t,o)=>{o.exports=e("fs")});export{p as a,q as b};
