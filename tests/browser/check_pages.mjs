// Load each given HTML file in Debian's headless chromium, run axe-core (WCAG 2.1 A + AA and
// best-practice rules) and measure sideways scroll at 375 px. Prints one JSON object:
// {"pages": [{"file", "violations": [{"id", "impact", "help", "nodes": [target...]}],
//             "scrollWidth375", "clientWidth375"}]}
// Usage: node check_pages.mjs [--chromium /usr/bin/chromium] page1.html page2.html ...
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];

const args = process.argv.slice(2);
let executablePath = "/usr/bin/chromium";
if (args[0] === "--chromium") { executablePath = args[1]; args.splice(0, 2); }

async function checkPage(context, file) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(pathToFileURL(resolve(file)).href, { waitUntil: "load" });
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async (tags) => {
    const r = await globalThis.axe.run(document, { runOnly: { type: "tag", values: tags } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => n.target.join(" ")) }));
  }, TAGS);
  await page.setViewportSize({ width: 375, height: 800 });
  const widths = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth }));
  await page.close();
  return { file, violations: result, scrollWidth375: widths.scrollWidth,
    clientWidth375: widths.clientWidth };
}

const profile = mkdtempSync(join(tmpdir(), "ido-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath, headless: true, args: FLAGS, bypassCSP: true, offline: true });
try {
  const pages = [];
  for (const file of args) pages.push(await checkPage(context, file));
  process.stdout.write(JSON.stringify({ pages }) + "\n");
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
