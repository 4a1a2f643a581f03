export { paymentsModule as default } from "./payments.service.ts";
