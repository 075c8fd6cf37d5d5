import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as r,b as i}from"./chunk-BUVLTLG5.js";var o=i((p,e)=>{e.exports=r("node:http")});export{o as a};
