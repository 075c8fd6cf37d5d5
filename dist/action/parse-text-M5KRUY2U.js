import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as i}from"./chunk-P5XV6WRU.js";import{b as t}from"./chunk-TP3IHXWP.js";import{d as a}from"./chunk-BUVLTLG5.js";var e=a(i(),1);function g(s,n){try{return(0,e.parse)(s,{prettyErrors:!1})??{}}catch(r){let o=r instanceof Error?r.message.split(`
`)[0]:String(r);throw new t(`${n}: not valid YAML or JSON: ${o}`,{cause:r})}}export{g as parseConfigText};
