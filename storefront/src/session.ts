// Who is signed in, and the guest cart's token, kept across reloads.
//
// Tokens live in localStorage so a reload keeps the shopper signed in. That makes them readable
// by any script on the page, which is why the shop's HTML is served with a strict
// Content-Security-Policy (scripts from this origin only) and nothing renders raw HTML from the
// API. A tab sees another tab's sign-in and sign-out through the storage event.
import type { S } from "./api/types";

const TOKENS = "duka.tokens";
const CART = "duka.cart-token";

export interface Tokens {
  access: string;
  refresh: string;
  user: S["ProfileOut"];
}

type Listener = () => void;
const listeners = new Set<Listener>();

function read(): Tokens | null {
  try {
    const raw = localStorage.getItem(TOKENS);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

let current: Tokens | null = read();

window.addEventListener("storage", (event) => {
  if (event.key === TOKENS) {
    current = read();
    listeners.forEach((listener) => listener());
  }
});

export const session = {
  get tokens(): Tokens | null {
    return current;
  },
  get user(): S["ProfileOut"] | null {
    return current?.user ?? null;
  },
  /** The freshest tokens: another tab may have refreshed them since this one read them. */
  reread(): Tokens | null {
    current = read();
    return current;
  },
  signIn(pair: S["TokenPairOut"]): void {
    current = { access: pair.access_token, refresh: pair.refresh_token, user: pair.user };
    localStorage.setItem(TOKENS, JSON.stringify(current));
    localStorage.removeItem(CART); // the API merged the guest cart into the account's
    listeners.forEach((listener) => listener());
  },
  setUser(user: S["ProfileOut"]): void {
    if (!current) return;
    current = { ...current, user };
    localStorage.setItem(TOKENS, JSON.stringify(current));
    listeners.forEach((listener) => listener());
  },
  signOut(): void {
    current = null;
    localStorage.removeItem(TOKENS);
    listeners.forEach((listener) => listener());
  },
  get cartToken(): string | null {
    return localStorage.getItem(CART);
  },
  set cartToken(token: string | null) {
    if (token) localStorage.setItem(CART, token);
    else localStorage.removeItem(CART);
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
