export { identityModule as default } from "./identity.service.ts";
