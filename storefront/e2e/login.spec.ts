// Seed 001's frontend test of the login page: a wrong password shows the error, the right one
// lands logged in, and an account with two-factor login gets the code step.
import { CUSTOMER, accessible, apiToken, expect, logIn, newEmail, noRawErrors, screenshots, test, totp } from "./support";

const PASSWORD = "Login-Page-2026!";

test("a wrong password shows the error next to the form, and nothing is stored", async ({ page }) => {
  await page.goto("/login");
  await expect(page.getByRole("heading", { name: "Log in" })).toBeVisible();
  await accessible(page, "login");
  await screenshots(page, "login");
  await page.getByLabel("Email", { exact: true }).fill("customer@duka.test");
  await page.getByLabel("Password", { exact: true }).fill("not-the-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toHaveText("That email and password don't match an account.");
  await noRawErrors(page);
  expect(await page.evaluate(() => localStorage.getItem("duka.tokens"))).toBeNull();
  await expect(page).toHaveURL(/\/login/);
});

test("an empty email is refused by the browser before it reaches the API", async ({ page }) => {
  await page.goto("/login");
  await page.getByLabel("Password", { exact: true }).fill("whatever-it-is");
  await page.getByRole("button", { name: "Log in" }).click();
  expect(await page.getByLabel("Email", { exact: true }).evaluate((input: HTMLInputElement) => input.validity.valueMissing)).toBe(true);
});

test("the right password lands logged in, back on the page that asked", async ({ page }) => {
  await page.goto("/orders");
  await expect(page).toHaveURL(/\/login\?next=%2Forders/);
  await page.getByLabel("Email", { exact: true }).fill("customer@duka.test");
  await page.getByLabel("Password", { exact: true }).fill("Duka-Customer-2026!");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/\/orders$/);
  await expect(page.getByRole("heading", { name: "Your orders" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Account", exact: true })).toBeVisible();
  await page.reload(); // still signed in
  await expect(page.getByRole("heading", { name: "Your orders" })).toBeVisible();
});

test("an account with two-factor login asks for the code, refuses a wrong one, takes the right one", async ({ page, request }) => {
  const email = newEmail("totp");
  const register = await request.post("/api/v1/auth/register", {
    data: { name: "Tumaini Two-Step", email, password: PASSWORD, accept_terms: true },
  });
  expect(register.status()).toBe(201);
  const token = await apiToken(request, { email, password: PASSWORD });
  const headers = { Authorization: `Bearer ${token}` };
  const setup = await (await request.post("/api/v1/auth/2fa/setup", { headers })).json();
  const enabled = await request.post("/api/v1/auth/2fa/enable", { headers, data: { password: PASSWORD, code: totp(setup.secret) } });
  expect(enabled.status()).toBe(200);

  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Two-step verification" })).toBeVisible();
  await accessible(page, "login, two-factor step");
  await screenshots(page, "login-two-factor");

  const wrong = totp(setup.secret) === "000000" ? "111111" : "000000";
  await page.getByLabel("Code from your authenticator app").fill(wrong);
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("alert")).toContainText("That code isn't right");
  expect(await page.evaluate(() => localStorage.getItem("duka.tokens"))).toBeNull();

  // The next period's code: the one that enabled two-factor login cannot be used again.
  await page.getByLabel("Code from your authenticator app").fill(totp(setup.secret, Date.now() + 30_000));
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("link", { name: "Account", exact: true })).toBeVisible();
  await noRawErrors(page);
});

test("the login form works from the keyboard alone", async ({ page }) => {
  await page.goto("/login");
  await page.keyboard.press("Tab"); // the skip link comes first
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.getByLabel("Email", { exact: true }).focus();
  await page.keyboard.type("customer@duka.test");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Password", { exact: true })).toBeFocused();
  await page.keyboard.type("Duka-Customer-2026!");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("link", { name: "Account", exact: true })).toBeVisible();
});

test("an expired access token is swapped once for a new pair, and the shopper stays signed in", async ({ page }) => {
  await logIn(page, CUSTOMER);
  const before = await page.evaluate(() => JSON.parse(localStorage.getItem("duka.tokens")!));
  await page.evaluate(() => {
    const tokens = JSON.parse(localStorage.getItem("duka.tokens")!);
    localStorage.setItem("duka.tokens", JSON.stringify({ ...tokens, access: "expired.or.forged" }));
  });
  const refreshes: number[] = [];
  page.on("response", (response) => {
    if (response.url().endsWith("/api/v1/auth/refresh")) refreshes.push(response.status());
  });
  await page.goto("/account"); // the page and the header ask at once: one refresh serves both
  await expect(page.getByText("Signed in as customer@duka.test")).toBeVisible();
  expect(refreshes).toEqual([200]);
  const after = await page.evaluate(() => JSON.parse(localStorage.getItem("duka.tokens")!));
  expect(after.refresh).not.toBe(before.refresh);
  expect(after.access).not.toBe("expired.or.forged");
});

test("when the login is over (the refresh token refused), the shopper is asked to log in again", async ({ page }) => {
  await logIn(page, CUSTOMER);
  await page.evaluate(() => {
    const tokens = JSON.parse(localStorage.getItem("duka.tokens")!);
    localStorage.setItem("duka.tokens", JSON.stringify({ ...tokens, access: "x.y.z", refresh: "x.y.z" }));
  });
  await page.goto("/orders");
  await expect(page).toHaveURL(/\/login\?next=/);
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem("duka.tokens"))).toBeNull();
});
