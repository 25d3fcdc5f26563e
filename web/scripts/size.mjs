// The production bundle's size as a browser downloads it for the first page: the scripts
// and stylesheets web/dist/index.html loads (module scripts, modulepreloads, stylesheets),
// raw and gzip-compressed (level 9). Stripe.js is not counted: it is Stripe's script,
// loaded from its own origin only when a card form opens.
// Writes reports/web-size.json and reports/web-size.md; exits 1 above the budget
// (JavaScript <= 200 KB gzip). Run after `npm run build`: `npm run size`.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_JS_GZIP = 200 * 1024;
const web = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(web, "dist");
const reports = resolve(process.env.KAIROS_REPORTS ?? join(web, "..", "reports"));

const html = readFileSync(join(dist, "index.html"), "utf8");
const refs = new Set();
for (const m of html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)) refs.add(m[1]);
for (const m of html.matchAll(/<link[^>]*\brel="(?:modulepreload|stylesheet)"[^>]*\bhref="([^"]+)"/g)) refs.add(m[1]);
for (const m of html.matchAll(/<link[^>]*\bhref="([^"]+)"[^>]*\brel="(?:modulepreload|stylesheet)"/g)) refs.add(m[1]);

const files = [...refs].map((ref) => {
  const body = readFileSync(join(dist, ref.replace(/^\//, "")));
  return { file: ref, kind: ref.endsWith(".css") ? "css" : "js", bytes: body.length, gzip: gzipSync(body, { level: 9 }).length };
});
const sum = (kind, key) => files.filter((f) => f.kind === kind).reduce((n, f) => n + f[key], 0);
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const result = {
  measured_at: new Date().toISOString(),
  files,
  js_bytes: sum("js", "bytes"),
  js_gzip: sum("js", "gzip"),
  css_bytes: sum("css", "bytes"),
  css_gzip: sum("css", "gzip"),
  budget_js_gzip: BUDGET_JS_GZIP,
};
result.within_budget = result.js_gzip <= BUDGET_JS_GZIP;

mkdirSync(reports, { recursive: true });
writeFileSync(join(reports, "web-size.json"), JSON.stringify(result, null, 2) + "\n");
const lines = [
  "# Kairos Web: production bundle of the first page",
  "",
  `Measured ${result.measured_at} from web/dist (\`npm run build && npm run size\`).`,
  "",
  "| file | raw | gzip |",
  "|---|---:|---:|",
  ...files.map((f) => `| ${f.file} | ${kb(f.bytes)} | ${kb(f.gzip)} |`),
  `| **JavaScript** | ${kb(result.js_bytes)} | **${kb(result.js_gzip)}** (budget ${kb(BUDGET_JS_GZIP)}) |`,
  `| CSS | ${kb(result.css_bytes)} | ${kb(result.css_gzip)} |`,
  "",
];
writeFileSync(join(reports, "web-size.md"), lines.join("\n"));
console.log(`first page: JavaScript ${kb(result.js_bytes)} raw, ${kb(result.js_gzip)} gzip (budget ${kb(BUDGET_JS_GZIP)}); CSS ${kb(result.css_gzip)} gzip`);
console.log(`report: ${join(reports, "web-size.md")}`);
if (!result.within_budget) {
  console.error("over budget");
  process.exit(1);
}
