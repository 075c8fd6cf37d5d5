import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as i}from"./chunk-N5KYHAGP.js";import{b as t}from"./chunk-76U6RVSL.js";import{e as a}from"./chunk-CSY4ACUO.js";var e=a(i(),1);function g(s,n){try{return(0,e.parse)(s,{prettyErrors:!1})??{}}catch(r){let o=r instanceof Error?r.message.split(`
`)[0]:String(r);throw new t(`${n}: not valid YAML or JSON: ${o}`,{cause:r})}}export{g as parseConfigText};
