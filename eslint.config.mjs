// Lint (`npm run lint`, run by CI): typescript-eslint's recommended rules everywhere, and its type-aware ones on the
// code we ship (provider/, sdk/, emulator/), where an `any` from an untyped module or a floating promise would reach
// users. Tests, benchmarks, the demo and the examples get the rules that need no types: their programs run against
// packages installed only when they run. Formatting is Prettier's (`npm run format`).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const SHIPPED = ["provider/**/*.ts", "sdk/**/*.ts", "emulator/**/*.ts"];

export default tseslint.config(
  { ignores: ["dist/", ".build/", "**/node_modules/", "tests/fixtures/soda-agent-chart/", "tests/real-cli/fixtures/**/bin/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked.map((config) => ({ ...config, files: SHIPPED })),
  { files: SHIPPED, languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  {
    rules: {
      // A name starting with `_` is unused on purpose: a parameter an interface passes, a property left out of a copy.
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
      // A variable a closure reads before its one assignment cannot be const.
      "prefer-const": ["error", { ignoreReadBeforeAssign: true }],
    },
  },
  {
    files: SHIPPED,
    rules: {
      // Lifecycle methods are async by their interface, and an async function turns a throw into a rejection,
      // which the engine's callers expect; one without an await is not a mistake here.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Tests and benchmarks read JSON payloads and engine records as `any`: their shape is what they assert.
    files: ["tests/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // The shim's functions are serialized into each resource's state and run in Pulumi's provider host, where the
    // only way to reach the implementation is `require` at call time.
    // Its text, comments included, is stored in every stack: it does not change for a rule (a cause on its error).
    files: ["provider/shim.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off", "preserve-caught-error": "off" },
  },
  {
    // Node scripts in CommonJS.
    files: ["**/*.js"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly" },
    },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
