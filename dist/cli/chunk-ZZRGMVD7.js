import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{k as i}from"./chunk-464QDO3W.js";function n(e){return i.parse(e?.trail??{})}export{n as a};
