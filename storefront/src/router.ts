// A small history router: URLs are real paths (shareable, reloadable; the server answers every
// non-API path with the shop's page), and the query string carries a page's state (filters).
import { useEffect, useState } from "preact/hooks";

const CHANGE = "duka:navigate";

let moved = false;

/** Whether the shop has navigated since the page loaded (a page then takes the focus, as a new
 * document would; on the first load the focus stays at the start, before the skip link). */
export function navigatedInApp(): boolean {
  return moved;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  moved = true;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event(CHANGE));
}

/** The current location, re-rendering on every navigation (links, back and forward). */
export function useLocation(): URL {
  const [url, setUrl] = useState(() => new URL(location.href));
  useEffect(() => {
    const update = () => setUrl(new URL(location.href));
    const back = () => {
      moved = true;
      update();
    };
    window.addEventListener("popstate", back);
    window.addEventListener(CHANGE, update);
    // A child's effect may have navigated before this one subscribed (effects run children first).
    if (location.href !== url.href) update();
    return () => {
      window.removeEventListener("popstate", back);
      window.removeEventListener(CHANGE, update);
    };
  }, []);
  return url;
}

/** "/products/:slug" against "/products/red-shoe" -> { slug: "red-shoe" } */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const have = path.replace(/\/+$/, "").split("/");
  if (path === "/" && pattern === "/") return {};
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    const value = have[i]!;
    if (part.startsWith(":")) {
      if (!value) return null;
      params[part.slice(1)] = decodeURIComponent(value);
    } else if (part !== value) {
      return null;
    }
  }
  return params;
}

/** Same-origin links navigate in place (a modified click still opens a new tab). */
export function interceptLinks(): void {
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const anchor = (event.target as Element | null)?.closest?.("a");
    if (!anchor || anchor.target || anchor.hasAttribute("download")) return;
    const url = new URL(anchor.href, location.href);
    if (url.origin !== location.origin) return;
    if (url.pathname.startsWith("/api/") || url.pathname.startsWith("/sandbox/")) return;
    if (anchor.dataset.external !== undefined) return;
    event.preventDefault();
    navigate(url.pathname + url.search + url.hash);
  });
}

/** A query string from an object, leaving out empty values. */
export function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "" && value !== false) {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
