// ESLint 9 (flat config) over the consoles' browser modules: `make lint-js`. Rules that catch
// defects (undefined names, unused bindings, loose equality, accidental globals, unreachable or
// shadowed code), none about layout: the consoles are served as written, with no build step.

import js from "@eslint/js";
import globals from "globals";


export default [
  { ignores: ["node_modules/", ".venv/", "var/", "test-artifacts/"] },
  {
    files: ["dispatch/web/*/js/**/*.js"],
    ...js.configs.recommended,
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: {
      reportUnusedDisableDirectives: "error",
    },
    rules: {
      ...js.configs.recommended.rules,
      "no-unused-vars": ["error", {
        args: "after-used",
        argsIgnorePattern: "^_",
        varsIgnorePattern: "^_",
        caughtErrors: "none",
        ignoreRestSiblings: true,
      }],
      eqeqeq: ["error", "smart"],
      "no-implicit-globals": "error",
      "no-shadow": ["error", { builtinGlobals: false, hoist: "functions" }],
      "no-use-before-define": ["error", { functions: false, classes: true, variables: false }],
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-unreachable-loop": "error",
      "no-constant-binary-expression": "error",
      "no-promise-executor-return": "error",
      "no-new-wrappers": "error",
      "no-throw-literal": "error",
      "no-var": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      "no-restricted-globals": ["error",
        { name: "event", message: "Use the handler's own event parameter." },
        { name: "name", message: "window.name is rarely what was meant; declare a local." },
        { name: "status", message: "window.status is rarely what was meant; declare a local." },
        { name: "length", message: "window.length is rarely what was meant; declare a local." },
        { name: "top", message: "window.top is rarely what was meant; declare a local." },
        { name: "parent", message: "window.parent is rarely what was meant; declare a local." },
        { name: "close", message: "window.close is rarely what was meant; declare a local." },
        { name: "open", message: "window.open is rarely what was meant; say window.open." },
      ],
    },
  },
];
