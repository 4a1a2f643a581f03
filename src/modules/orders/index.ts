export { ordersModule as default } from "./orders.service.ts";
