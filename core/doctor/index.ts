export * from './check.js';
export { DOCTOR_CHECKS } from './checks.js';
export { createDoctorContext, type DoctorContext, type DoctorRequest } from './context.js';
