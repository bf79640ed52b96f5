// One shopper's whole journey through the shop, in a real browser against the real API and the
// local M-Pesa sandbox: register, verify the email from the outbox, search and filter, add to
// the cart as a guest, log in and find the cart merged, check out with M-Pesa and see the order
// paid, (staff deliver it through the API) review it, ask for a return with a photo. Every page
// on the way is checked with axe-core and photographed at phone and desktop widths.
import { ADMIN, apiToken, emailedLink, expect, newEmail, noRawErrors, png, test, visited } from "./support";

const SHOPPER = { name: "Wanjiru Kamau", email: newEmail("wanjiru"), password: "Journey-Duka-2026!" };

test("register, verify, browse as a guest, merge the cart, pay by M-Pesa, review, return", async ({ page, request }) => {
  test.setTimeout(180_000);

  // -- register, then verify the address from the email the app wrote
  await page.goto("/register");
  await visited(page, "register");
  await page.getByRole("button", { name: "Create account" }).click(); // empty: the browser's own checks
  await page.getByLabel("Full name").fill(SHOPPER.name);
  await page.getByLabel("Email", { exact: true }).fill(SHOPPER.email);
  await page.getByLabel("Password", { exact: true }).fill("password"); // the API refuses a common password
  await page.getByLabel("I accept the terms").check();
  await page.getByLabel("Send me offers").check();
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator("#field-password-error")).toBeVisible();
  await expect(page.getByRole("alert")).toHaveText("Please check the highlighted fields.");
  await noRawErrors(page);
  await page.getByLabel("Password", { exact: true }).fill(SHOPPER.password);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText(`Welcome to Duka, ${SHOPPER.name}!`)).toBeVisible();
  await expect(page.getByText(`Check ${SHOPPER.email} for a link`)).toBeVisible();
  await visited(page, "account");

  const link = new URL(await emailedLink(SHOPPER.email, "/verify-email?token="));
  await page.goto(link.pathname + link.search);
  await expect(page.getByText("Your email address is verified.")).toBeVisible();
  await visited(page, "verify-email");
  await page.goto("/account");
  await expect(page.getByText("for a link to verify")).toHaveCount(0);
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();

  // -- as a guest: the catalog, a search, a brand filter and a sort, all in a shareable URL
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Shop" })).toBeVisible();
  await expect(page.locator(".grid .card").first()).toBeVisible();
  await visited(page, "catalog");
  await page.getByRole("searchbox", { name: "Search products" }).fill("phone");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page.getByRole("heading", { name: "Results for “phone”" })).toBeVisible();
  await expect(page.locator("[aria-busy=true]")).toHaveCount(0); // the facets of this search, not the last page's
  const brandName = ((await page.locator(".filters fieldset .check label").first().innerText()).split(" (")[0] ?? "").trim();
  await page.getByLabel(new RegExp(`^${brandName} \\(`)).check();
  await expect(page).toHaveURL(/brand=/);
  await page.getByLabel("Sort by").selectOption("price");
  await expect(page).toHaveURL(/sort=price/);
  await expect(page.locator(".grid .card").first()).toBeVisible();
  await visited(page, "search-filtered");
  const shared = page.url();
  await page.reload(); // the URL holds the whole state
  await expect(page.getByLabel("Sort by")).toHaveValue("price");
  await expect(page.getByLabel(new RegExp(`^${brandName}`))).toBeChecked();
  expect(page.url()).toBe(shared);

  const inStock = page.locator(".grid .card", { hasText: "In stock" }).first();
  const productName = (await inStock.locator(".name").innerText()).trim();
  await inStock.getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1, name: productName })).toBeVisible();
  await expect(page.locator(".buy .price")).toContainText("KES ");
  await visited(page, "product");
  await page.getByLabel("Quantity").fill("2");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByText("Added to your cart.")).toBeVisible();
  await expect(page.locator(".cart-link .badge")).toHaveText("2");

  await page.goto("/cart");
  await expect(page.getByRole("link", { name: productName })).toBeVisible();
  await page.reload(); // the guest cart survives a reload (its token in localStorage)
  await expect(page.getByRole("link", { name: productName })).toBeVisible();
  await visited(page, "cart-guest");

  // -- log in: the guest cart is merged into the account's
  await page.getByRole("button", { name: "Log in to check out" }).click();
  await expect(page).toHaveURL(/\/login\?next=(%2F|\/)checkout/);
  await page.getByLabel("Email", { exact: true }).fill(SHOPPER.email);
  await page.getByLabel("Password", { exact: true }).fill(SHOPPER.password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page).toHaveURL(/:\d+\/checkout$/);
  await expect(page.locator(".cart-link .badge")).toHaveText("2");
  expect(await page.evaluate(() => localStorage.getItem("duka.cart-token"))).toBeNull();

  // -- checkout: an address (none yet), its delivery fee, M-Pesa
  await expect(page.getByRole("heading", { name: "New address" })).toBeVisible();
  await page.getByLabel("Recipient's name").fill(SHOPPER.name);
  await page.getByLabel("Recipient's phone").fill("0712345678");
  await page.getByLabel("County").fill("Nairobi");
  await page.getByLabel("Town").fill("Nairobi");
  await page.getByLabel("Street, building, floor").fill("Kenyatta Avenue, Imenti House, 3rd floor");
  await page.getByRole("button", { name: "Save the address" }).click();
  await expect(page.getByText(/Delivery KES 250\.00|Free delivery/)).toBeVisible();
  await page.getByLabel("M-Pesa").check();
  await visited(page, "checkout");
  await page.getByRole("button", { name: "Place order" }).click();

  await expect(page.getByRole("heading", { name: "Pay with M-Pesa" })).toBeVisible();
  await expect(page).toHaveURL(/\/orders\/\d+\/pay$/);
  const orderId = Number(page.url().match(/orders\/(\d+)/)![1]);
  await visited(page, "pay-mpesa");
  await page.getByLabel("M-Pesa phone number").fill("0708374149"); // the sandbox pays
  await page.getByRole("button", { name: /^Pay KES/ }).click();
  await expect(page.getByText("Check your phone")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Payment received" })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/M-Pesa receipt/)).toBeVisible();
  await visited(page, "paid");
  await page.getByRole("link", { name: "See your order" }).click();
  await expect(page.getByText("Status: Paid")).toBeVisible();
  await expect(page.getByText(/MPESA · KES .* · Succeeded/)).toBeVisible();
  await visited(page, "order-paid");

  // -- staff deliver it, through the API
  const admin = { Authorization: `Bearer ${await apiToken(request, ADMIN)}` };
  for (const status of ["processing", "shipped", "out_for_delivery", "delivered"]) {
    const moved = await request.patch(`/api/v1/orders/${orderId}/status`, { headers: admin, data: { status } });
    expect(moved.status(), await moved.text()).toBe(200);
  }

  // -- review what was delivered
  await page.reload();
  await expect(page.getByText("Status: Delivered")).toBeVisible();
  await page.getByRole("link", { name: `Review ${productName}` }).click();
  await expect(page.getByRole("heading", { name: `Review ${productName}` })).toBeVisible();
  await page.getByRole("button", { name: "Post the review" }).click(); // no rating yet
  await expect(page.getByText("Choose from 1 to 5 stars.")).toBeVisible();
  await noRawErrors(page);
  await visited(page, "review");
  await page.getByLabel("5 stars").check();
  await page.getByLabel("Title (optional)").fill("Does what it says");
  await page.getByLabel("Your review (optional)").fill("Arrived in two days, well packed. Battery lasts.");
  await page.getByRole("button", { name: "Post the review" }).click();
  await expect(page.getByRole("heading", { name: "Thank you for your review" })).toBeVisible();
  await page.getByRole("link", { name: `See ${productName}` }).click();
  await expect(page.getByText("Does what it says")).toBeVisible();
  await expect(page.getByText("Verified purchase")).toBeVisible();

  // -- ask for a return, with a photo
  await page.goto(`/orders/${orderId}`);
  await page.getByRole("link", { name: "Return items from this order" }).click();
  await page.getByRole("button", { name: "Ask for the return" }).click(); // nothing chosen
  await expect(page.getByRole("alert")).toHaveText("Choose at least one item to return.");
  await page.getByLabel(new RegExp(`^${productName.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(bought 2\\)`)).fill("1");
  await page.getByLabel("Why?").selectOption("damaged");
  await page.getByLabel("Tell us more (optional)").fill("The screen is cracked at one corner.");
  await page.getByLabel(/^Photos/).setInputFiles({ name: "crack.png", mimeType: "image/png", buffer: png() });
  await visited(page, "return");
  await page.getByRole("button", { name: "Ask for the return" }).click();
  await expect(page.getByRole("heading", { name: "Return requested" })).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0); // the photo went up too
  await visited(page, "return-requested");

  const shopper = { Authorization: `Bearer ${await apiToken(request, SHOPPER)}` };
  const returns = await (await request.get(`/api/v1/returns?order_id=${orderId}`, { headers: shopper })).json();
  expect(returns.items).toHaveLength(1);
  expect(returns.items[0].status).toBe("requested");
  expect(returns.items[0].images).toHaveLength(1);

  // -- the rest of the account, as the shopper sees it
  for (const [path, name, heading] of [
    ["/orders", "orders", "Your orders"],
    ["/notifications", "notifications", "Notifications"],
    ["/wallet", "wallet", "Your wallet"],
    ["/account/addresses", "addresses", "Your addresses"],
  ] as const) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1, name: heading })).toBeVisible();
    await visited(page, name);
    await noRawErrors(page);
  }
});
