// Names for the API's schemas, generated from its OpenAPI document (npm run types).
import type { components, paths } from "./schema";

export type S = components["schemas"];
export type Problem = S["ProblemOut"];
export type { paths };
