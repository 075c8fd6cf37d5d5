import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as m}from"./chunk-N5KYHAGP.js";import{b as n}from"./chunk-P2BGP6LI.js";import{e as l}from"./chunk-CSY4ACUO.js";var e=l(m(),1);function g(o,s){try{return(0,e.parse)(o,{prettyErrors:!0})??{}}catch(r){if(r instanceof e.YAMLError&&r.linePos){let[{line:a,col:i}]=r.linePos,c=(r.message.split(`
`)[0]??"").replace(/ at line \d+, column \d+:?$/,"");throw new n(`${s}:${a}:${i}: not valid YAML or JSON: ${c}`,{cause:r})}let t=r instanceof Error?r.message.split(`
`)[0]:String(r);throw new n(`${s}: not valid YAML or JSON: ${t}`,{cause:r})}}export{g as parseConfigText};
