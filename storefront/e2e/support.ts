// What the browser tests share: an accessibility check (axe-core) and screenshots at phone and
// desktop widths for every page they visit, the demo accounts, the API for the staff's side,
// the emails the app wrote, and TOTP codes.
import { createHmac } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { type APIRequestContext, expect, type Page, test as base } from "@playwright/test";

const here = new URL(".", import.meta.url).pathname;
export const SCREENSHOTS = process.env.SCREENSHOTS_DIR ?? join(here, "..", "screenshots");
const SERVER_DIR = process.env.E2E_DIR ?? join(here, "..", "test-results", "server");
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export const ADMIN = { email: "admin@duka.test", password: "Duka-Admin-2026!" };
export const CUSTOMER = { email: "customer@duka.test", password: "Duka-Customer-2026!" };

/** axe-core over the page: no serious or critical violation (WCAG 2.1 A and AA rules). */
export async function accessible(page: Page, what: string): Promise<void> {
  // Evaluated through the DevTools protocol, so the page's Content-Security-Policy stays on.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (c: unknown, o: unknown) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } });
    return result.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  expect(violations, `accessibility of ${what}`).toEqual([]);
}

/** The page at phone and desktop widths, into SCREENSHOTS (CI keeps the folder). */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const [label, size] of [["phone", PHONE], ["desktop", DESKTOP]] as const) {
    await page.setViewportSize(size);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: join(SCREENSHOTS, `${name}-${label}.png`), fullPage: true, animations: "disabled" });
  }
  if (before) await page.setViewportSize(before);
}

/** A page the journey reached: checked for accessibility and photographed. */
export async function visited(page: Page, name: string): Promise<void> {
  await expect(page.locator("[role=status].loading")).toHaveCount(0);
  await expect(page.locator("[aria-busy=true]")).toHaveCount(0);
  await accessible(page, name);
  await screenshots(page, name);
}

/** Whatever the page does, it never shows a raw problem body or a stack. */
export async function noRawErrors(page: Page): Promise<void> {
  const text = await page.locator("body").innerText();
  expect(text).not.toMatch(/"type"\s*:|urn:duka:problem|Traceback|\bundefined\b|\[object Object\]/);
}

export const test = base.extend<{ checkedPage: Page }>({
  page: async ({ page }, use) => {
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    page.on("console", (message) => {
      // A 4xx the page handles, or a connection a test cut on purpose, is not a page error.
      if (message.type() === "error" && !/status of 4\d\d|net::ERR_INTERNET_DISCONNECTED/.test(message.text())) {
        errors.push(message.text());
      }
    });
    await use(page);
    expect(errors, "errors in the browser console").toEqual([]);
  },
});
export { expect };

/** The API as a staff member or a script uses it: a Bearer token from a password login. */
export async function apiToken(request: APIRequestContext, account: { email: string; password: string }, totp?: string): Promise<string> {
  const credentials = { email: account.email, password: account.password, ...(totp ? { totp } : {}) };
  const response = await request.post("/api/v1/auth/login", { data: credentials });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()).access_token as string;
}

function quotedPrintable(text: string): string {
  const bytes = text.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** The newest email to `to` (the app writes emails as .eml files) from which `pick` finds something. */
async function fromNewestEmail(to: string, what: string, pick: (body: string) => string | undefined): Promise<string> {
  const outbox = join(SERVER_DIR, "outbox");
  let found = "";
  await expect
    .poll(
      () => {
        const files = readdirSync(outbox)
          .map((name) => join(outbox, name))
          .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
        for (const file of files) {
          const mail = readFileSync(file, "utf8");
          const split = mail.indexOf("\n\n");
          if (!mail.slice(0, split).includes(`To: ${to}`)) continue;
          found = pick(quotedPrintable(mail.slice(split))) ?? "";
          if (found) return true;
        }
        return false;
      },
      { message: `an email to ${to} with ${what}` },
    )
    .toBe(true);
  return found;
}

/** The link to `path` in the newest email to `to` that has one. */
export function emailedLink(to: string, path: string): Promise<string> {
  const pattern = new RegExp(`https?://\\S+${path.replace(/[?]/g, "\\?")}\\S*`);
  return fromNewestEmail(to, `a link to ${path}`, (body) => body.match(pattern)?.[0]);
}

/** The 6-digit code in the newest email to `to` that has one (a sign-in code). */
export function emailedCode(to: string): Promise<string> {
  return fromNewestEmail(to, "a code", (body) => body.match(/(?<![\w-])(\d{6})(?![\w-])/)?.[1]);
}

/** Log in through the login page, as a shopper does. */
export async function logIn(page: Page, account: { email: string; password: string }): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(account.email);
  await page.getByLabel("Password", { exact: true }).fill(account.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("link", { name: "Account", exact: true })).toBeVisible();
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) from a base32 secret, as an authenticator app makes it. */
export function totp(secret: string, at = Date.now()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of secret.replace(/=+$/, "").toUpperCase()) bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => Number.parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const digest = createHmac("sha1", key).update(counter).digest();
  const offset = digest[digest.length - 1]! & 0xf;
  const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

/** A new shopper, verified, with a delivery address in Nairobi, made through the API (each test its own,
 * so no test meets another's orders or limits). */
export async function newCustomer(request: APIRequestContext, who: string): Promise<{ email: string; password: string }> {
  const account = { email: newEmail(who), password: "New-Customer-2026!" };
  const registered = await request.post("/api/v1/auth/register", {
    data: { name: "Baraka Mwangi", ...account, accept_terms: true },
  });
  expect(registered.status(), await registered.text()).toBe(201);
  const token = new URL(await emailedLink(account.email, "/verify-email?token=")).searchParams.get("token");
  const verified = await request.post("/api/v1/auth/verify-email", { data: { token } });
  expect(verified.status(), await verified.text()).toBe(204);
  const headers = { Authorization: `Bearer ${await apiToken(request, account)}` };
  const address = await request.post("/api/v1/me/addresses", {
    headers,
    data: { label: "Home", recipient: "Baraka Mwangi", phone: "0712345678", county: "Nairobi", town: "Kilimani", street: "Argwings Kodhek Road 12", is_default: true },
  });
  expect(address.status(), await address.text()).toBe(201);
  return account;
}

/** A new shopper's email, unique per run. */
export function newEmail(who: string): string {
  return `${who}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** A small real PNG (a photo for a return): the API checks uploads by their content. */
export function png(width = 32, height = 32): Buffer {
  const { crc32, deflateSync } = require_("node:zlib") as typeof import("node:zlib");
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set([200, 40 + x * 4, 40 + y * 4], y * (width * 3 + 1) + 1 + x * 3);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(rows)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
const require_ = createRequire(import.meta.url);
