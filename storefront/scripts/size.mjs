// After `vite build`: gzip each built file beside it (the server sends name.gz to browsers that
// take gzip), print what the first load costs, and fail past the budget: the page's initial
// JavaScript (the entry and what it imports statically) under 100 kB gzipped.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET = 100 * 1024;
const dist = new URL("../dist/", import.meta.url).pathname;
const assets = join(dist, "assets");

const sizes = {};
for (const name of [...readdirSync(assets).map((n) => `assets/${n}`), "index.html"]) {
  if (name.endsWith(".gz")) continue;
  const raw = readFileSync(join(dist, name));
  const gz = gzipSync(raw, { level: 9 });
  writeFileSync(join(dist, `${name}.gz`), gz);
  sizes[name] = { raw: raw.length, gz: gz.length };
}

const html = readFileSync(join(dist, "index.html"), "utf8");
const initial = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
let total = 0;
for (const name of initial) total += sizes[name].gz;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
for (const [name, size] of Object.entries(sizes)) console.log(`${name.padEnd(40)} ${kb(size.raw).padStart(9)}  gzip ${kb(size.gz)}`);
console.log(`initial JavaScript: ${kb(total)} gzipped (budget ${kb(BUDGET)})`);
if (total > BUDGET) {
  console.error("over budget");
  process.exit(1);
}
