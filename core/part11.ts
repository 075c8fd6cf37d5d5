/** Kept so that imports of the Part 11 table keep working: the one copy is core/controls/part11.ts. */
export { PART11_MAPPING, type Part11Clause, part11Meaning } from './controls/part11.js';
