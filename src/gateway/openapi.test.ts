import { describe, expect, it } from "vitest";
import { CommonErrors, defineErrors, Type, type ActionRef } from "../broker/contract-kit.ts";
import { finishDocument } from "./openapi.ts";

const taken = defineErrors({ taken: { status: 409, code: "name_taken", description: "The name is taken." } }).taken;
const action = (access: ActionRef["access"], errors: ActionRef["errors"] = []): ActionRef => ({
  service: "shop",
  name: "act",
  fullName: "shop.act",
  params: Type.Object({}),
  result: Type.Object({}),
  access,
  idempotent: true,
  errors,
});
const documentWith = (operation: Record<string, unknown>) => ({ paths: { "/v1/things": { post: { operationId: "shop_act", responses: { 200: { description: "ok" } }, ...operation } } } });

describe("finishDocument", () => {
  it("lists the problems an operation's shape, access and declared errors imply, one response per status", () => {
    const document = finishDocument(documentWith({ requestBody: {} }), [action("admin", [taken, CommonErrors.notFound])]) as any;
    const responses = document.paths["/v1/things"].post.responses;
    expect(Object.keys(responses)).toEqual(["200", "400", "401", "403", "404", "409", "413", "415", "429", "500", "503"]);
    expect(responses["409"].content["application/problem+json"].schema.allOf).toEqual([
      { $ref: "#/components/schemas/Problem" },
      { type: "object", properties: { code: { type: "string", enum: ["name_taken"] } } },
    ]);
    expect(responses["400"].content["application/problem+json"].schema.allOf[0]).toEqual({ $ref: "#/components/schemas/ValidationProblem" });
    expect(responses["401"].headers["WWW-Authenticate"].required).toBe(true);
  });

  it("documents no 401 or 403 for an operation open to anyone", () => {
    const responses = (finishDocument(documentWith({}), [action("anyone")]) as any).paths["/v1/things"].post.responses;
    expect(Object.keys(responses)).toEqual(["200", "400", "429", "500", "503"]);
  });

  it("names titled schemas as components and refers to them", () => {
    const named = { title: "Thing", type: "object", properties: { id: { type: "string" } } };
    const document = finishDocument(documentWith({ responses: { 200: { description: "ok", content: { "application/json": { schema: { type: "array", items: named } } } } } }), [action("anyone")]) as any;
    expect(document.components.schemas.Thing).toEqual({ type: "object", properties: { id: { type: "string" } } });
    expect(document.paths["/v1/things"].post.responses["200"].content["application/json"].schema.items).toEqual({ $ref: "#/components/schemas/Thing" });
  });

  it("refuses two different schemas under one name, and an operation no action backs", () => {
    const content = (schema: object) => ({ description: "ok", content: { "application/json": { schema } } });
    const clash = documentWith({ responses: { 200: content({ title: "Thing", type: "string" }), 201: content({ title: "Thing", type: "integer" }) } });
    expect(() => finishDocument(clash, [action("anyone")])).toThrow(/two different schemas are named Thing/);
    expect(() => finishDocument(documentWith({ operationId: "shop_other" }), [action("anyone")])).toThrow(/backed by no action/);
  });
});
