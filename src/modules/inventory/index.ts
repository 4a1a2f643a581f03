export { inventoryModule as default } from "./inventory.service.ts";
