/** The typed client's types, generated with openapi-typescript from the gateway's OpenAPI document. */
import openapiTS, { astToString } from "openapi-typescript";
import { openapiDocument } from "./openapi-document.ts";

const HEADER = "/** Generated from bazaar's OpenAPI document by `npm run client:generate`; do not edit. */\n";

export async function clientSchema(): Promise<string> {
  return HEADER + astToString(await openapiTS((await openapiDocument()) as never));
}
