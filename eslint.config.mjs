// The one-way architecture, enforced: the product (index.ts, config/, catalog/, components/, lib/)
// never imports its tooling (tools/, policy/, tests/); lib/ stays below components/; the policy
// pack imports the product, never the offline tools. `npm run lint` runs in CI through npm test.
import tseslint from "typescript-eslint";

const TOOLING = ["**/tools", "**/tools/**", "**/policy", "**/policy/**", "**/tests", "**/tests/**"];
const restrict = (groups, message) => ({
  "no-restricted-imports": ["error", { patterns: [{ group: groups, message }] }],
});

export default [
  { ignores: ["node_modules/**", "bin/**", "out/**", "coverage/**", "policy/node_modules/**", "**/*.js", "**/*.mjs"] },
  {
    files: ["**/*.ts"],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: "module" },
    plugins: { "@typescript-eslint": tseslint.plugin },
  },
  {
    files: ["index.ts", "config/**/*.ts", "catalog/**/*.ts", "components/**/*.ts"],
    rules: restrict(TOOLING, "The product never imports its tooling (tools/, policy/, tests/); move the shared part into lib/ or catalog/."),
  },
  {
    files: ["lib/**/*.ts"],
    rules: restrict(
      [...TOOLING, "**/components", "**/components/**", "**/config", "**/config/**"],
      "lib/ holds pure helpers: it imports neither components/, config/ nor the tooling.",
    ),
  },
  {
    files: ["policy/**/*.ts"],
    rules: restrict(["**/tools", "**/tools/**", "**/tests", "**/tests/**"], "The policy pack imports the product (catalog/, lib/), never the offline tools or the tests."),
  },
];
