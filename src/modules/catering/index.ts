export { cateringModule as default } from "./catering.service.ts";
