import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a,b,c,d}from"./chunk-PDDEMMZ7.js";import"./chunk-CSY4ACUO.js";export{a as processIo,b as wantsColour,c as writeOutput,d as writesToStdout};
