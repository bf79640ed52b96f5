// My orders. Also where the emails and the card and PayPal pages send a shopper back to
// (/orders?reference=DK..., with the provider's own parameters): the payment is confirmed, then
// the order's page opens.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { day, Loading, Page, Pager, Problem, statusWords } from "../components";
import { type Shown, shown } from "../errors";
import { useLoad } from "../hooks";
import { money } from "../money";
import { navigate } from "../router";

function Arriving({ url }: { url: URL }) {
  const reference = url.searchParams.get("reference") ?? url.searchParams.get("order") ?? "";
  const [problem, setProblem] = useState<Shown | null>(null);
  useEffect(() => {
    (async () => {
      const paypal = url.searchParams.get("paypal");
      const token = url.searchParams.get("token");
      if (paypal === "approved" && token) {
        const { error } = await api.POST("/api/v1/payments/paypal/orders/{paypal_order_id}/capture", {
          params: { path: { paypal_order_id: token } },
        });
        if (error && (error as { code?: string }).code !== "order_already_paid") setProblem(shown(error));
      }
      const paystack = url.searchParams.get("order") ? url.searchParams.get("reference") : null;
      if (paystack) {
        await api.GET("/api/v1/payments/paystack/verify/{reference}", { params: { path: { reference: paystack } } });
      }
      const orderRef = url.searchParams.get("order") ?? reference;
      const { data, error } = await api.GET("/api/v1/orders/by-reference/{reference}", { params: { path: { reference: orderRef } } });
      if (data) navigate(`/orders/${data.id}${paypal === "cancelled" ? "?paypal=cancelled" : ""}`, { replace: true });
      else setProblem(shown(error));
    })();
  }, [url.search]);
  return (
    <Page title="Your order">
      <Problem problem={problem} />
      {!problem && <Loading />}
    </Page>
  );
}

export function OrdersPage({ url }: { url: URL }) {
  const arriving = url.searchParams.has("reference") || url.searchParams.has("order");
  return arriving ? <Arriving url={url} /> : <OrderList url={url} />;
}

function OrderList({ url }: { url: URL }) {
  const page = Math.max(1, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1);
  const orders = useLoad(() => api.GET("/api/v1/orders", { params: { query: { page, per_page: 10 } } }), [page]);
  const data = orders.data;
  return (
    <Page title="Your orders">
      <Problem problem={orders.problem} />
      {!data && orders.loading && <Loading />}
      {data && data.items.length === 0 && (
        <p>
          No orders yet. <a href="/">Start shopping</a>
        </p>
      )}
      <ul class="plain orders">
        {data?.items.map((order) => (
          <li key={order.id}>
            <a href={`/orders/${order.id}`}>{`Order ${order.reference}`}</a>
            <span>{day(order.created_at)}</span>
            <span class={`status ${order.status}`}>{statusWords(order.status)}</span>
            <span>{money(order.total, order.currency)}</span>
          </li>
        ))}
      </ul>
      {data && <Pager page={data.meta.page} pages={data.meta.pages} path="/orders" search={url.searchParams} />}
    </Page>
  );
}
