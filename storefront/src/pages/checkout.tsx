// Checkout: an address, its delivery quote, a payment method (and the wallet's part), then the
// order, placed once however often the button is pressed or the request retried (the same
// Idempotency-Key for the same order). Then on to paying: M-Pesa's "check your phone" page, the
// card or PayPal provider's page, or the order itself for cash and wallet.
import { useEffect, useMemo, useState } from "preact/hooks";
import { api, idempotencyKey } from "../api/client";
import type { S } from "../api/types";
import { Checkbox, Field, Loading, Notice, Page, Problem } from "../components";
import { type Shown, shown } from "../errors";
import { changed, useLoad } from "../hooks";
import { cents, fromCents, money } from "../money";
import { navigate } from "../router";
import { AddressForm, addressLine } from "./addresses";

type Method = S["CheckoutIn"]["payment_method"];

const METHOD_WORDS: Record<Method, string> = {
  mpesa: "M-Pesa",
  card: "Card (Visa, Mastercard)",
  paypal: "PayPal",
  cash: "Cash on delivery",
  wallet: "My Duka wallet",
};

/** After the order exists: start paying with its method. */
export async function startPaying(order: S["OrderOut"]): Promise<Shown | null> {
  if (order.payment_method === "mpesa") {
    navigate(`/orders/${order.id}/pay`);
    return null;
  }
  if (order.payment_method === "card") {
    const { data, error } = await api.POST("/api/v1/payments/paystack/initialize", { body: { order_id: order.id } });
    if (data) window.location.assign(data.authorization_url);
    const redirect = (error as { redirect_url?: string } | undefined)?.redirect_url;
    if (redirect) window.location.assign(redirect);
    return error ? shown(error) : null;
  }
  if (order.payment_method === "paypal") {
    const { data, error } = await api.POST("/api/v1/payments/paypal/orders", { body: { order_id: order.id } });
    if (data) window.location.assign(data.approve_url);
    return error ? shown(error) : null;
  }
  navigate(`/orders/${order.id}?placed=1`);
  return null;
}

export function CheckoutPage() {
  const cart = useLoad(() => api.GET("/api/v1/cart"), []);
  const addresses = useLoad(() => api.GET("/api/v1/me/addresses", { params: { query: { per_page: 100 } } }), []);
  const methods = useLoad(() => api.GET("/api/v1/payments/methods"), []);
  const wallet = useLoad(() => api.GET("/api/v1/wallet"), []);

  const [addressId, setAddressId] = useState<number | null>(null);
  const [adding, setAdding] = useState(false);
  const [method, setMethod] = useState<Method | null>(null);
  const [useWallet, setUseWallet] = useState(false);
  const [notes, setNotes] = useState("");
  const [quote, setQuote] = useState<S["QuoteOut"] | null>(null);
  const [problem, setProblem] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const list = addresses.data?.items ?? [];
    if (addressId === null && list.length) setAddressId((list.find((a) => a.is_default) ?? list[0]!).id);
  }, [addresses.data]);
  useEffect(() => {
    const first = methods.data?.find((offered) => offered.method !== "wallet");
    if (method === null && first) setMethod(first.method);
  }, [methods.data]);
  useEffect(() => {
    setQuote(null);
    if (addressId === null) return;
    api.POST("/api/v1/delivery-zones/quote", { body: { address_id: addressId } }).then(({ data, error }) => {
      if (data) {
        setQuote(data);
        setProblem(null);
      } else setProblem(shown(error));
    });
  }, [addressId, cart.data?.subtotal]);

  const balance = wallet.data ? cents(wallet.data.balance) : 0n;
  const total = cart.data && quote ? cents(cart.data.subtotal) + cents(quote.fee) : null;
  const walletPart = useWallet && method !== "wallet" && total !== null ? (balance < total ? balance : total) : 0n;
  const body: S["CheckoutIn"] | null =
    addressId !== null && method !== null
      ? {
          address_id: addressId,
          payment_method: method,
          ...(walletPart > 0n ? { wallet_amount: fromCents(walletPart) } : {}),
          notes: notes.trim() || null,
        }
      : null;
  // One key per distinct order: a retry of the same order reuses it (placed once); a change makes a new one.
  const key = useMemo(() => idempotencyKey(), [JSON.stringify(body)]);

  const place = async () => {
    if (!body) return;
    setBusy(true);
    setProblem(null);
    const { data, error } = await api.POST("/api/v1/orders", { body, params: { header: { "Idempotency-Key": key } } });
    changed();
    if (error) {
      setBusy(false);
      setProblem(shown(error));
      if ((error as { code?: string }).code === "price_changed") cart.reload();
      return;
    }
    const failed = await startPaying(data!);
    setBusy(false);
    if (failed) {
      setProblem(failed);
      navigate(`/orders/${data!.id}`);
    }
  };

  if (!cart.data || !addresses.data || !methods.data) {
    return (
      <Page title="Checkout">
        <Problem problem={cart.problem ?? addresses.problem ?? methods.problem} />
        <Loading />
      </Page>
    );
  }
  if (cart.data.lines.length === 0) {
    return (
      <Page title="Checkout">
        <p>
          Your cart is empty. <a href="/">Keep shopping</a>
        </p>
      </Page>
    );
  }
  const list = addresses.data.items;
  return (
    <Page title="Checkout">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          place();
        }}
      >
        <fieldset>
          <legend>Deliver to</legend>
          {list.map((address) => (
            <div class="check" key={address.id}>
              <input type="radio" name="address" id={`address-${address.id}`} checked={addressId === address.id} onChange={() => setAddressId(address.id)} />
              <label for={`address-${address.id}`}>{`${address.label}: ${addressLine(address)}`}</label>
            </div>
          ))}
          {list.length === 0 && <p>Add the address to deliver to.</p>}
          {!adding && list.length > 0 && (
            <button type="button" class="link" onClick={() => setAdding(true)}>
              Add another address
            </button>
          )}
        </fieldset>
        {quote && (
          <p>
            {quote.free_delivery ? "Free delivery" : `Delivery ${money(quote.fee, quote.currency)}`}
            {` · ${quote.days_min}–${quote.days_max} days (${quote.zone.name})`}
          </p>
        )}
        <fieldset>
          <legend>Pay with</legend>
          {methods.data.map((offered) => {
            // The wallet pays whole orders only when it holds enough; otherwise it takes a part (below).
            const short = offered.method === "wallet" && (total === null || balance < total);
            const id = `method-${offered.method}`;
            return (
              <div class="check" key={offered.method}>
                <input
                  type="radio"
                  name="method"
                  id={id}
                  checked={method === offered.method}
                  disabled={short}
                  aria-describedby={`${id}-hint`}
                  onChange={() => setMethod(offered.method)}
                />
                <label for={id}>{METHOD_WORDS[offered.method]}</label>
                <span class="hint" id={`${id}-hint`}>
                  {offered.method === "wallet"
                    ? `Balance ${money(wallet.data?.balance ?? "0", "KES")}`
                    : offered.currency !== "KES"
                      ? `Charged in ${offered.currency}`
                      : offered.method === "mpesa"
                        ? "You confirm on your phone"
                        : ""}
                </span>
              </div>
            );
          })}
        </fieldset>
        {balance > 0n && method !== "wallet" && (
          <Checkbox
            name="use_wallet"
            label={`Use my wallet balance (${money(wallet.data!.balance, wallet.data!.currency)})`}
            checked={useWallet}
            onChange={setUseWallet}
          />
        )}
        <Field label="Notes for delivery (optional)" name="notes" value={notes} onInput={setNotes} maxLength={500} />
        <dl class="totals">
          <dt>Items</dt>
          <dd>{money(cart.data.subtotal, cart.data.currency)}</dd>
          <dt>Delivery</dt>
          <dd>{quote ? money(quote.fee, quote.currency) : "–"}</dd>
          {walletPart > 0n && (
            <>
              <dt>From your wallet</dt>
              <dd>{`-${money(fromCents(walletPart))}`}</dd>
            </>
          )}
          <dt>To pay</dt>
          <dd>
            <strong>{total !== null ? money(fromCents(total - walletPart)) : "–"}</strong>
          </dd>
        </dl>
        <Problem problem={problem} />
        {problem?.code === "price_changed" && <Notice>We've updated your cart with today's prices.</Notice>}
        <button type="submit" class="primary" disabled={busy || !body || !quote}>
          Place order
        </button>
      </form>
      {(adding || list.length === 0) && (
        <section aria-labelledby="new-address">
          <h2 id="new-address">New address</h2>
          <AddressForm
            makeDefault={list.length === 0}
            onAdded={(address) => {
              setAdding(false);
              addresses.reload();
              setAddressId(address.id);
            }}
          />
        </section>
      )}
    </Page>
  );
}
