// Schema validators whose failures take the API's one error shape, and whose schemas the OpenAPI
// document is generated from (hono-openapi records each one on its route).
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { validator } from "hono-openapi";
import { badRequest } from "./errors.ts";

function issues(list: readonly StandardSchemaV1.Issue[]) {
  return list.map((i) => ({
    path: (i.path ?? []).map((p) => String(typeof p === "object" ? p.key : p)).join("."),
    message: i.message,
  }));
}

export function jsonBody<T extends StandardSchemaV1>(schema: T) {
  return validator("json", schema, (result) => {
    if (!result.success) throw badRequest("invalid_body", "the body does not match the schema", issues(result.error));
  });
}

export function queryParams<T extends StandardSchemaV1>(schema: T) {
  return validator("query", schema, (result) => {
    if (!result.success) throw badRequest("invalid_query", "the query parameters are not valid", issues(result.error));
  });
}

export function pathParams<T extends StandardSchemaV1>(schema: T) {
  return validator("param", schema, (result) => {
    if (!result.success) throw badRequest("invalid_path", "the path is not valid", issues(result.error));
  });
}
