// Paying every other way from the browser, through the local sandbox's pages: card (Paystack's
// page, back to the shop, verified), PayPal (approve, back, captured), cash (placed, then
// cancelled by the shopper). Each starts from a product page as a new customer.
import type { Page } from "@playwright/test";
import { expect, logIn, newCustomer, noRawErrors, test, visited } from "./support";

/** Put one in-stock product in the cart and open checkout with `method` chosen. */
async function checkOutWith(page: Page, method: string) {
  await page.goto("/?in_stock=true&sort=price");
  await page.locator(".grid .card").first().getByRole("link").click();
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByText("Added to your cart.")).toBeVisible();
  await page.goto("/checkout");
  await expect(page.getByText(/Delivery KES|Free delivery/)).toBeVisible(); // the default address's quote
  await page.getByLabel(method, { exact: true }).check();
}

function orderIdOf(page: Page): number {
  return Number(page.url().match(/\/orders\/(\d+)/)![1]);
}

test.beforeEach(async ({ page, request }, info) => logIn(page, await newCustomer(request, `pays${info.workerIndex}`)));

test("by card: Paystack's page, Pay, back to the order, paid", async ({ page }) => {
  await checkOutWith(page, "Card (Visa, Mastercard)");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/sandbox\/paystack\/checkout\//);
  await page.getByRole("button", { name: "Pay" }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(page.getByText("Status: Paid")).toBeVisible();
  await expect(page.getByText(/PAYSTACK · KES .* · Succeeded/)).toBeVisible();
  await visited(page, "order-paid-by-card");
});

test("by PayPal: approve on PayPal's page, back, captured, paid", async ({ page }) => {
  await checkOutWith(page, "PayPal");
  await expect(page.getByText("Charged in USD")).toBeVisible();
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/sandbox\/paypal\/checkoutnow/);
  await page.getByRole("button", { name: "Pay now" }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(page.getByText("Status: Paid")).toBeVisible();
  await expect(page.getByText(/PAYPAL · USD .* · Succeeded/)).toBeVisible();
});

test("PayPal cancelled on its page: back to the order, still to pay, with the way to pay again", async ({ page }) => {
  await checkOutWith(page, "PayPal");
  await page.getByRole("button", { name: "Place order" }).click();
  await page.getByRole("button", { name: "Cancel and return" }).click();
  await expect(page).toHaveURL(/\/orders\/\d+\?paypal=cancelled$/);
  await expect(page.getByText("The PayPal payment was cancelled.")).toBeVisible();
  await expect(page.getByText("Status: Pending payment")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Pay KES/ })).toBeVisible();
  await noRawErrors(page);
});

test("cash on delivery: placed, no payment asked, then cancelled by the shopper", async ({ page }) => {
  await checkOutWith(page, "Cash on delivery");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page.getByText("Thank you! Your order is placed.")).toBeVisible();
  const id = orderIdOf(page);
  await expect(page.getByText("You pay the courier in cash on delivery.")).toBeVisible();
  await expect(page.getByRole("button", { name: /^Pay KES/ })).toHaveCount(0);
  await visited(page, "order-cash");
  await page.getByRole("button", { name: "Cancel order" }).click();
  await page.getByRole("button", { name: "Yes, cancel the order" }).click();
  await expect(page.getByText("Status: Cancelled")).toBeVisible();
  await expect(page.getByRole("button", { name: "Cancel order" })).toHaveCount(0);
  await page.goto("/orders");
  await expect(page.locator(".orders li", { hasText: "Cancelled" }).getByRole("link")).toHaveAttribute("href", `/orders/${id}`);
});

test("an M-Pesa payment the shopper cancels on the phone says so and offers another try", async ({ page }) => {
  await checkOutWith(page, "M-Pesa");
  await page.getByRole("button", { name: "Place order" }).click();
  await page.getByLabel("M-Pesa phone number").fill("0700001032"); // the sandbox: cancelled by the user
  await page.getByRole("button", { name: /^Pay KES/ }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "The payment didn't go through. The request was cancelled on the phone. You can try again.",
    { timeout: 20_000 },
  );
  await expect(page.getByRole("button", { name: /^Pay KES/ })).toBeVisible();
  await page.getByLabel("M-Pesa phone number").fill("12");
  await page.getByRole("button", { name: /^Pay KES/ }).click();
  await expect(page.locator("#field-phone-error")).toBeVisible();
  await noRawErrors(page);
});

test("while M-Pesa has not answered, the page says to check the phone and keeps waiting", async ({ page }) => {
  await checkOutWith(page, "M-Pesa");
  await page.getByRole("button", { name: "Place order" }).click();
  await page.getByLabel("M-Pesa phone number").fill("0700000000"); // the sandbox never calls back
  await page.getByRole("button", { name: /^Pay KES/ }).click();
  await expect(page.getByText("Check your phone")).toBeVisible();
  await expect(page.getByText(/We've sent an M-Pesa request for KES [\d,]+\.\d\d to 0700 000 000/)).toBeVisible();
  await visited(page, "pay-check-your-phone");
  await page.waitForTimeout(3_000); // a poll or two later: still waiting, nothing else said
  await expect(page.getByText("Check your phone")).toBeVisible();
  await expect(page.getByRole("alert")).toHaveCount(0);
});

test("a phone M-Pesa cannot reach: said in words, and the order keeps the failed attempt", async ({ page }) => {
  await checkOutWith(page, "M-Pesa");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page).toHaveURL(/\/orders\/\d+\/pay$/);
  const id = orderIdOf(page);
  await page.getByLabel("M-Pesa phone number").fill("0700001037"); // the sandbox: ResultCode 1037
  await page.getByRole("button", { name: /^Pay KES/ }).click();
  await expect(page.getByRole("alert")).toHaveText(
    "The payment didn't go through. We couldn't reach the phone. Check that it is on and has signal. You can try again.",
    { timeout: 20_000 },
  );
  await page.goto(`/orders/${id}`);
  await expect(page.getByText(/MPESA · KES .* · Failed · We couldn't reach the phone/)).toBeVisible();
  await noRawErrors(page);
});

test("another customer's order is not found, in words", async ({ page, request }) => {
  const other = await newCustomer(request, "other");
  await checkOutWith(page, "Cash on delivery");
  await page.getByRole("button", { name: "Place order" }).click();
  await expect(page.getByText("Thank you! Your order is placed.")).toBeVisible();
  const id = orderIdOf(page);
  await page.goto("/account");
  await page.getByRole("button", { name: "Log out" }).click();
  await logIn(page, other);
  await page.goto(`/orders/${id}`);
  await expect(page.getByRole("alert")).toHaveText("No such order."); // the API's 404, as for one that never was
  await expect(page.getByText("Status:")).toHaveCount(0);
  await noRawErrors(page);
});

test("when the shop cannot be reached, the page says so instead of failing silently", async ({ page }) => {
  await page.route("**/api/v1/products?**", (route) => route.abort("internetdisconnected"));
  await page.goto("/?q=phone");
  await expect(page.getByRole("alert")).toHaveText("We could not reach the shop. Check your connection and try again.");
  await noRawErrors(page);
});
