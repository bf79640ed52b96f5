// The one way the shop talks to the API: openapi-fetch typed by the OpenAPI document, so a call
// that no longer matches the API fails `tsc --noEmit`. This file adds what every call needs: the
// access token, the guest cart's token, one refresh of an expired token, and a problem body for
// a network failure, so pages handle one shape of error.
import createClient from "openapi-fetch";
import { session } from "../session";
import type { paths, Problem } from "./types";

export const API_BASE = "/api/v1";
// The document names full paths ("/api/v1/products"), so the client has no base URL of its own.

let refreshing: Promise<boolean> | null = null;

/** Swap the refresh token once, however many calls found the access token expired at once
 * (presenting a used refresh token again would end the whole login). */
function refreshTokens(): Promise<boolean> {
  refreshing ??= (async () => {
    const before = session.tokens;
    const latest = session.reread();
    if (latest && before && latest.access !== before.access) return true; // another tab did it
    if (!latest) return false;
    const response = await fetch(`${API_BASE}/auth/refresh`, {
      method: "POST",
      headers: { Authorization: `Bearer ${latest.refresh}` },
    });
    if (!response.ok) return false;
    session.signIn(await response.json());
    return true;
  })().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function prepared(request: Request): Request {
  const tokens = session.tokens;
  if (tokens && !request.headers.has("Authorization")) {
    request.headers.set("Authorization", `Bearer ${tokens.access}`);
  }
  const cart = session.cartToken;
  if (cart && !request.headers.has("X-Cart-Token")) request.headers.set("X-Cart-Token", cart);
  return request;
}

async function send(request: Request): Promise<Response> {
  const again = request.clone();
  let response: Response;
  try {
    response = await fetch(prepared(request));
  } catch {
    return offline();
  }
  const signedIn = session.tokens !== null && !request.url.includes("/auth/");
  if (response.status === 401 && signedIn) {
    if (await refreshTokens()) {
      again.headers.delete("Authorization");
      return fetch(prepared(again)).catch(offline);
    }
    session.signOut();
  }
  return response;
}

function offline(): Response {
  const body: Problem = {
    type: "about:blank",
    title: "Offline",
    status: 503,
    detail: "We could not reach the shop. Check your connection and try again.",
    code: "network_error",
  };
  return new Response(JSON.stringify(body), {
    status: 503,
    headers: { "Content-Type": "application/problem+json" },
  });
}

export const api = createClient<paths>({ fetch: send });

/** A fresh key for a request that must not happen twice (checkout, a payment). */
export function idempotencyKey(): string {
  return crypto.randomUUID();
}
