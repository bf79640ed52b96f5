// Problems from the API in a shopper's words. The API answers every failure with a problem body
// (`code` is stable, `errors` names the fields); a page shows `message` at the top of its form and
// each of `fields` next to its input. No page shows a raw body.
import type { Problem } from "./api/types";

export interface Shown {
  code: string;
  message: string;
  fields: Record<string, string>;
}

// Where the API's own sentence is written for developers, the shop says it its own way.
const SAY: Record<string, string> = {
  invalid_credentials: "That email and password don't match an account.",
  totp_required: "Enter the 6-digit code from your authenticator app.",
  invalid_totp: "That code isn't right. Check your authenticator app and try again.",
  invalid_code: "That code isn't right. Check your authenticator app and try again.",
  invalid_recovery_code: "That recovery code isn't right, or it was used already.",
  invalid_email_code: "That code isn't right or has expired. Ask for a new one.",
  invalid_link_token: "This link has expired or was used already. Ask for a new one.",
  email_taken: "An account with this email exists already. Log in instead.",
  rate_limited: "Too many tries. Wait a moment, then try again.",
  validation_error: "Please check the highlighted fields.",
  insufficient_stock: "We don't have that many in stock.",
  cart_empty: "Your cart is empty.",
  price_changed: "Some prices changed since you opened your cart. Check them, then try again.",
  product_unavailable: "A product in your cart is no longer on sale. Remove it to go on.",
  not_deliverable: "We don't deliver to this address yet.",
  payment_in_progress: "A payment for this order is already on its way. Wait for it to finish.",
  order_already_paid: "This order is paid already.",
  internal_error: "Something went wrong on our side. Please try again.",
  service_unavailable: "The shop is busy. Please try again in a moment.",
  unauthorized: "Please log in to go on.",
  token_expired: "Your session has ended. Please log in again.",
  token_revoked: "Your session has ended. Please log in again.",
  fresh_login_required: "For your safety, log in again before doing this.",
  wrong_password: "Your current password isn't right.",
  not_purchased: "You can review a product once it has been delivered to you.",
  already_reviewed: "You reviewed this product already.",
  return_window_closed: "The time to return this order has passed.",
  payload_too_large: "That file is too large.",
  unsupported_media_type: "That file type isn't supported.",
};

// marshmallow's stock sentences, in plainer words.
const FIELD_SAY: Record<string, string> = {
  "Missing data for required field.": "Please fill this in.",
  "Field may not be null.": "Please fill this in.",
  "Not a valid email address.": "Enter an email address like name@example.com.",
  "Not a valid integer.": "Enter a whole number.",
  "Not a valid date.": "Enter a date.",
};

function flatten(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(flatten);
  if (value && typeof value === "object") return Object.values(value).flatMap(flatten);
  return [];
}

// M-Pesa's failure codes (PaymentOut.failure_code), as a shopper would want them said.
const PAYMENT_FAILED: Record<string, string> = {
  cancelled: "The request was cancelled on the phone.",
  insufficient_funds: "The M-Pesa balance was not enough.",
  wrong_pin: "The M-Pesa PIN was wrong.",
  phone_unreachable: "We couldn't reach the phone. Check that it is on and has signal.",
  subscriber_busy: "The phone was busy with another M-Pesa request.",
  expired: "The request on the phone timed out before the PIN was entered.",
};

/** Why a payment failed, in words; the provider's own sentence only where we have none. */
export function paymentFailure(payment: { failure_code: string | null; failure_reason: string | null }): string {
  return (payment.failure_code && PAYMENT_FAILED[payment.failure_code]) || payment.failure_reason || "";
}

/** What to show for a problem the API returned (or the client made up when offline). */
export function shown(problem: Problem | undefined | null): Shown {
  if (!problem || typeof problem !== "object" || !("code" in problem)) {
    return { code: "unknown", message: SAY.internal_error!, fields: {} };
  }
  const fields: Record<string, string> = {};
  for (const [name, messages] of Object.entries(problem.errors ?? {})) {
    const first = flatten(messages)[0];
    if (first) fields[name] = FIELD_SAY[first] ?? first;
  }
  const message = SAY[problem.code] ?? problem.detail ?? problem.title;
  return { code: problem.code, message, fields };
}
