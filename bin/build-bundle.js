// Build step (npm run build, after tsc): bundles tsc's output into the two files bin/hartscope.js
// loads at start-up, so that a run reads one script (run through V8's code cache) instead of
// resolving and compiling some 150 ES modules:
//   dist/hartscope.cjs   the CLI (dist/src/cli/main.js and everything it imports)
//   dist/code-cache.cjs  the code cache itself (dist/src/cli/cache.js), loaded before the CLI
// Both are CommonJS: node 20 can run a classic script with cached code (vm.Script), not a module.
"use strict";
const { buildSync } = require("esbuild");
const { join } = require("node:path");

const root = join(__dirname, "..");

/** esbuild prints its own errors; a failed build is one exit status, not a stack trace too */
function build(options) {
  try {
    buildSync(options);
  } catch {
    process.exit(1);
  }
}
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
  // a smaller file to read, check and scan; names are kept (stack traces, HARTSCOPE_DEBUG)
  minifyWhitespace: true,
  minifySyntax: true,
};

build({
  ...common,
  entryPoints: ["dist/src/cli/main.js"],
  outfile: "dist/hartscope.cjs",
  // main.js finds package.json from its own URL; the bundle runs with __dirname = dist/
  define: { "import.meta.url": "__hartscope_main_url" },
  banner: {
    js: 'var __hartscope_main_url = require("node:url").pathToFileURL(__dirname + "/src/cli/main.js").href;',
  },
});

build({ ...common, entryPoints: ["dist/src/cli/cache.js"], outfile: "dist/code-cache.cjs" });
