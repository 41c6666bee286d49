// Schema validators whose failures take the API's one error shape.
import { zValidator } from "@hono/zod-validator";
import type { $ZodType as ZodType } from "zod/v4/core";
import { badRequest } from "./errors.ts";

function issues(error: { issues: { path: PropertyKey[]; message: string }[] }) {
  return error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}

export function jsonBody<T extends ZodType>(schema: T) {
  return zValidator("json", schema, (result) => {
    if (!result.success)
      throw badRequest("invalid_body", "the body does not match the schema", issues(result.error));
  });
}

export function queryParams<T extends ZodType>(schema: T) {
  return zValidator("query", schema, (result) => {
    if (!result.success)
      throw badRequest("invalid_query", "the query parameters are not valid", issues(result.error));
  });
}

export function pathParams<T extends ZodType>(schema: T) {
  return zValidator("param", schema, (result) => {
    if (!result.success) throw badRequest("invalid_path", "the path is not valid", issues(result.error));
  });
}
