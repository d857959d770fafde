import type { z } from "zod";

/**
 * One line naming every offending field (`rules[0].probability: Too big...`), so a 400 or a startup
 * error tells the user exactly what to fix.
 */
export function formatIssues(error: z.ZodError, root = ""): string {
  const parts: string[] = [];
  for (const issue of error.issues) {
    const where = fieldPath(root, issue.path);
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) parts.push(`${fieldPath(where, [key])}: unknown field`);
    } else {
      parts.push(`${where || "body"}: ${issue.message}`);
    }
  }
  return parts.join("; ");
}

function fieldPath(root: string, path: readonly PropertyKey[]): string {
  let out = root;
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out;
}
