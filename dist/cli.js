import { createRequire as __kwCreateRequire } from 'node:module'; const require = __kwCreateRequire(import.meta.url);
import{a as s}from"./cli/chunk-YYYXLFE6.js";import"./cli/chunk-CSY4ACUO.js";var o=process.argv.slice(2);if(o.length===1&&(o[0]==="--version"||o[0]==="-V"))process.stdout.write(`${s.version}
`);else{let[{processIo:e},{main:r}]=await Promise.all([import("./cli/io-ZTQ6KF2S.js"),import("./cli/main-5CELTE4A.js")]);process.exitCode=await r(o,e())}
