import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { repoRoot } from "../support/project-dir";
import { DESTROY, REFRESH, UP, realStack, skipReason, type RealStack } from "./real-stack";

let stack: RealStack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

describe.skipIf(skipReason)("smoke", () => {
  it("rotation example", async () => {
    stack = await realStack({ source: path.join(repoRoot, "examples", "rotation") });
    const up = await stack.cli.exec(UP);
    console.log(up.output);
    const rf = await stack.cli.exec([...REFRESH, "--expect-no-changes"]);
    console.log(rf.output);
    await stack.cli.setConfig({ replacementTrigger: "2" });
    const up2 = await stack.cli.exec(UP);
    console.log(up2.output);
    console.log(JSON.stringify(await stack.soda.state(), null, 1));
    const d = await stack.cli.exec(DESTROY);
    console.log(d.output);
    expect(up.code).toBe(0);
  });
});
