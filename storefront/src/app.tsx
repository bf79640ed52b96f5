// The shell: header (search, cart count, inbox count, account), the page for the URL, footer.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api } from "./api/client";
import { useChanges, useUser } from "./hooks";
import { match, navigate, useLocation } from "./router";
import { Catalog } from "./pages/catalog";
import { ProductPage } from "./pages/product";
import { CartPage } from "./pages/cart";
import { LoginPage } from "./pages/login";
import { RegisterPage } from "./pages/register";
import { ForgotPasswordPage, ResetPasswordPage, VerifyEmailPage } from "./pages/links";
import { GoogleReturnPage } from "./pages/google";
import { AccountPage } from "./pages/account";
import { AddressesPage } from "./pages/addresses";
import { CheckoutPage } from "./pages/checkout";
import { PayPage } from "./pages/pay";
import { OrdersPage } from "./pages/orders";
import { OrderPage } from "./pages/order";
import { ReviewPage } from "./pages/review";
import { ReturnPage } from "./pages/return";
import { NotificationsPage } from "./pages/notifications";
import { WalletPage } from "./pages/wallet";
import { NotFound } from "./pages/not-found";

type Params = Record<string, string>;
interface Route {
  path: string;
  page: ComponentType<{ params: Params; url: URL }>;
  signedIn?: boolean;
}

const ROUTES: Route[] = [
  { path: "/", page: Catalog },
  { path: "/products/:slug", page: ProductPage },
  { path: "/cart", page: CartPage },
  { path: "/login", page: LoginPage },
  { path: "/register", page: RegisterPage },
  { path: "/forgot-password", page: ForgotPasswordPage },
  { path: "/reset-password", page: ResetPasswordPage },
  { path: "/verify-email", page: VerifyEmailPage },
  { path: "/auth/google", page: GoogleReturnPage },
  { path: "/account", page: AccountPage, signedIn: true },
  { path: "/account/addresses", page: AddressesPage, signedIn: true },
  { path: "/checkout", page: CheckoutPage, signedIn: true },
  { path: "/orders", page: OrdersPage, signedIn: true },
  { path: "/orders/:id", page: OrderPage, signedIn: true },
  { path: "/orders/:id/pay", page: PayPage, signedIn: true },
  { path: "/orders/:id/return", page: ReturnPage, signedIn: true },
  { path: "/reviews/new/:productId", page: ReviewPage, signedIn: true },
  { path: "/notifications", page: NotificationsPage, signedIn: true },
  { path: "/wallet", page: WalletPage, signedIn: true },
];

function Header() {
  const user = useUser();
  const changes = useChanges();
  const url = useLocation();
  const [cartCount, setCartCount] = useState(0);
  const [unread, setUnread] = useState(0);
  useEffect(() => {
    api.GET("/api/v1/cart/count").then(({ data }) => setCartCount(data?.count ?? 0));
  }, [user?.id, changes]);
  useEffect(() => {
    // Notifications arrive from the server (an order paid, shipped): looked at on each page.
    if (user) {
      api
        .GET("/api/v1/notifications", { params: { query: { unread: true, per_page: 1 } } })
        .then(({ data }) => setUnread(data?.meta.unread_count ?? 0));
    }
  }, [user?.id, changes, url.pathname]);
  const [q, setQ] = useState(url.searchParams.get("q") ?? "");
  useEffect(() => setQ(url.pathname === "/" ? (url.searchParams.get("q") ?? "") : ""), [url.href]);

  return (
    <header class="top">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <a class="brand" href="/">
        Duka
      </a>
      <form
        role="search"
        class="search"
        onSubmit={(event) => {
          event.preventDefault();
          navigate(q.trim() ? `/?q=${encodeURIComponent(q.trim())}` : "/");
        }}
      >
        <label for="search-q" class="visually-hidden">
          Search products
        </label>
        <input
          id="search-q"
          type="search"
          placeholder="Search products"
          value={q}
          onInput={(e) => setQ((e.target as HTMLInputElement).value)}
        />
        <button type="submit">Search</button>
      </form>
      <nav aria-label="Account">
        <a href="/cart" class="cart-link">
          Cart <span class="badge" aria-label={`${cartCount} items`}>{cartCount}</span>
        </a>
        {user ? (
          <>
            <a href="/notifications">
              Inbox{" "}
              <span class="badge" aria-label={`${unread} unread`}>
                {unread}
              </span>
            </a>
            <a href="/orders">Orders</a>
            <a href="/account">Account</a>
          </>
        ) : (
          <a href={`/login?next=${encodeURIComponent(url.pathname + url.search)}`}>Log in</a>
        )}
      </nav>
    </header>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

export function App() {
  const url = useLocation();
  const user = useUser();
  useEffect(() => window.scrollTo(0, 0), [url.pathname]);

  let content = <NotFound />;
  for (const route of ROUTES) {
    const params = match(route.path, url.pathname);
    if (!params) continue;
    const Page = route.page;
    content =
      route.signedIn && !user ? (
        <Redirect to={`/login?next=${encodeURIComponent(url.pathname + url.search)}`} />
      ) : (
        <Page params={params} url={url} />
      );
    break;
  }
  return (
    <>
      <Header />
      <main id="main">{content}</main>
      <footer class="bottom">
        <p>
          Duka · prices in Kenyan shillings · <a href="/api/v1/docs" data-external>API</a>
        </p>
      </footer>
    </>
  );
}
