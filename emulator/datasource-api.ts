import { randomUUID } from "node:crypto";
import { z } from "zod";
import { DATASOURCE_PAGE_SIZE } from "../provider/client/soda-api";
import { requireAgentPermission } from "./auth";
import { HttpError, ok, type JsonResponse } from "./http";
import { integerParam, MAX_PAGE, pageOf, type RestContext } from "./rest-context";
import type { StoredDatasource } from "./store";

/**
 * Soda's data-source endpoints, as its published OpenAPI (v4 public API) gives them: create and update take a
 * `runnerId`, which binds the data source to a runner, while the DTO they and the reads return does not show it.
 */

/** Soda's data source DTO, exactly: no runner id. */
export interface WireDatasource {
  id: string;
  name: string;
  label: string;
  type: string;
  createdAt: string;
  updatedAt: string;
}

function toWireDatasource({ id, name, label, type, createdAt, updatedAt }: StoredDatasource): WireDatasource {
  return { id, name, label, type, createdAt, updatedAt };
}

const CreateBody = z.strictObject({ configurationFileContents: z.string().min(1), label: z.string().optional(), runnerId: z.string().min(1).optional() });
const UpdateBody = z.strictObject({
  configurationFileContents: z.string().min(1).optional(),
  label: z.string().optional(),
  runnerId: z.string().min(1).optional(),
});

/** `POST /api/v1/datasources`: a data source from its configuration file, bound to `runnerId` when given. */
export function createDatasource(ctx: RestContext): JsonResponse {
  requireAgentPermission(ctx.caller);
  const body = parseBody(CreateBody, ctx.jsonBody());
  const { name, type } = describedBy(body.configurationFileContents);
  if (body.runnerId !== undefined) requireRunner(ctx, body.runnerId);
  if (ctx.store.state.datasources.some((d) => d.name === name)) throw new HttpError(409, "conflict", `A data source named ${name} already exists.`);
  const now = new Date(ctx.clock.now()).toISOString();
  const created: StoredDatasource = {
    id: randomUUID(),
    name,
    label: body.label ?? name,
    type,
    createdAt: now,
    updatedAt: now,
    runnerId: body.runnerId ?? null,
  };
  ctx.store.mutate((draft) => void draft.datasources.push(created));
  return ok(toWireDatasource(created));
}

/** `POST /api/v1/datasources/{id}`: changes what is given, the runner included. */
export function updateDatasource(ctx: RestContext, id: string): JsonResponse {
  requireAgentPermission(ctx.caller);
  const body = parseBody(UpdateBody, ctx.jsonBody());
  findDatasource(ctx, id);
  const described = body.configurationFileContents === undefined ? undefined : describedBy(body.configurationFileContents);
  if (body.runnerId !== undefined) requireRunner(ctx, body.runnerId);
  const updated = ctx.store.mutate((draft) => {
    const found = draft.datasources.find((d) => d.id === id) as StoredDatasource;
    if (described !== undefined) Object.assign(found, described);
    if (body.label !== undefined) found.label = body.label;
    if (body.runnerId !== undefined) found.runnerId = body.runnerId;
    found.updatedAt = new Date(ctx.clock.now()).toISOString();
    return { ...found };
  });
  return ok(toWireDatasource(updated));
}

/** `GET /api/v1/datasources`: paged like the runner list, `search=` matching name or label. */
export function listDatasources(ctx: RestContext): JsonResponse {
  const size = integerParam(ctx.query, "size", DATASOURCE_PAGE_SIZE.default, DATASOURCE_PAGE_SIZE.min, DATASOURCE_PAGE_SIZE.max);
  const page = integerParam(ctx.query, "page", 0, 0, MAX_PAGE);
  const search = (ctx.query.get("search") ?? "").toLowerCase();
  const matching = ctx.store.state.datasources.filter((d) => search === "" || d.name.toLowerCase().includes(search) || d.label.toLowerCase().includes(search));
  return ok(pageOf(matching.map(toWireDatasource), page, size));
}

/** `GET /api/v1/datasources/{id}`. */
export function getDatasource(ctx: RestContext, id: string): JsonResponse {
  return ok(toWireDatasource(findDatasource(ctx, id)));
}

function findDatasource(ctx: RestContext, id: string): StoredDatasource {
  const found = ctx.store.state.datasources.find((d) => d.id === id);
  if (found === undefined) throw new HttpError(404, "not_found", `Data source ${id} not found.`);
  return found;
}

function requireRunner(ctx: RestContext, runnerId: string): void {
  if (!ctx.store.state.runners.some((r) => r.id === runnerId)) throw new HttpError(400, "bad_request", `Runner ${runnerId} not found.`);
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (!parsed.success)
    throw new HttpError(
      400,
      "bad_request",
      `Invalid request body: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/**
 * The name and type a Soda data source configuration file declares at its top level (`type: postgres`,
 * `name: my_ds`). The connection settings below them (credentials among them) are never kept.
 */
function describedBy(contents: string): { name: string; type: string } {
  const top = (key: string) => new RegExp(`^${key}:[ \\t]*["']?([^"'#\\r\\n]+?)["']?[ \\t]*(#.*)?$`, "m").exec(contents)?.[1];
  const name = top("name");
  const type = top("type");
  if (name === undefined || type === undefined) {
    throw new HttpError(400, "bad_request", "configurationFileContents must declare the data source's name and type at its top level (name: …, type: …).");
  }
  return { name, type };
}
