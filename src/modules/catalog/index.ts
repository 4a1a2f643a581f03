export { catalogModule as default } from "./catalog.service.ts";
