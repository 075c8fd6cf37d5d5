import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a}from"./chunk-4I7FGC3M.js";import"./chunk-BUVLTLG5.js";export default a();
