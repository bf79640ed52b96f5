// One order: its lines, status history, payments; pay, cancel while allowed, review what was
// delivered, ask for a return.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Notice, Page, Problem, statusWords, when, Pending } from "../components";
import { paymentFailure, type Shown } from "../errors";
import { changed, useLoad, useSubmit } from "../hooks";
import { cents, fromCents, money } from "../money";
import { startPaying } from "./checkout";

const CANCELLABLE = new Set(["pending_payment", "paid", "processing"]);

export function OrderPage({ params, url }: { params: Record<string, string>; url: URL }) {
  const id = Number.parseInt(params.id!, 10);
  const path = { params: { path: { order_id: id } } };
  const loaded = useLoad(() => api.GET("/api/v1/orders/{order_id}", path), [id]);
  const payments = useLoad(() => api.GET("/api/v1/orders/{order_id}/payments", path), [id]);
  const [confirming, setConfirming] = useState(false);
  const cancel = useSubmit(
    () => api.POST("/api/v1/orders/{order_id}/cancel", { ...path, body: { reason: "Cancelled by the customer" } }),
    () => {
      setConfirming(false);
      loaded.reload();
      payments.reload();
      changed();
    },
  );
  const [payProblem, setPayProblem] = useState<Shown | null>(null);
  const order = loaded.data;
  if (!order) {
    return <Pending title="Order" loaded={loaded} />;
  }
  const due = fromCents(cents(order.total) - cents(order.wallet_amount));
  return (
    <Page title={`Order ${order.reference}`}>
      {url.searchParams.get("placed") && <Notice>Thank you! Your order is placed.</Notice>}
      {url.searchParams.get("paypal") === "cancelled" && <Notice>The PayPal payment was cancelled. You can pay again below.</Notice>}
      <p>
        Status: <strong class={`status ${order.status}`}>{statusWords(order.status)}</strong>
      </p>
      <Problem problem={cancel.problem ?? payProblem} />
      {order.status === "pending_payment" && order.payment_method === "cash" && (
        <p>You pay the courier in cash on delivery.</p>
      )}
      {order.status === "pending_payment" && !["cash", "wallet"].includes(order.payment_method) && (
        <button type="button" class="primary" onClick={async () => setPayProblem(await startPaying(order))}>
          {`Pay ${money(due, order.currency)}`}
        </button>
      )}
      <table class="lines">
        <caption>What you ordered</caption>
        <thead>
          <tr>
            <th scope="col">Product</th>
            <th scope="col">Quantity</th>
            <th scope="col">Price</th>
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => (
            <tr key={line.id} class={line.cancelled_at ? "cancelled" : undefined}>
              <td>
                {line.name}
                {line.cancelled_at && " (cancelled)"}
                {order.status === "delivered" && !line.cancelled_at && (
                  <>
                    {" · "}
                    <a href={`/reviews/new/${line.product_id}?order=${order.id}`}>{`Review ${line.name}`}</a>
                  </>
                )}
              </td>
              <td>{line.quantity}</td>
              <td>{money(line.unit_price, order.currency)}</td>
              <td>{money(line.line_total, order.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl class="totals">
        <dt>Items</dt>
        <dd>{money(order.subtotal, order.currency)}</dd>
        <dt>Delivery</dt>
        <dd>{money(order.delivery_fee, order.currency)}</dd>
        {cents(order.wallet_amount) > 0n && (
          <>
            <dt>From your wallet</dt>
            <dd>{`-${money(order.wallet_amount, order.currency)}`}</dd>
          </>
        )}
        <dt>Total</dt>
        <dd>
          <strong>{money(order.total, order.currency)}</strong>
        </dd>
      </dl>
      <p>{`Delivering to ${order.shipping_address.recipient}, ${order.shipping_address.street}, ${order.shipping_address.town}`}</p>
      {order.status === "delivered" && (
        <p>
          <a href={`/orders/${order.id}/return`}>Return items from this order</a>
        </p>
      )}
      <h2>History</h2>
      <ol class="history">
        {order.history.map((event, index) => (
          <li key={index}>
            <strong>{statusWords(event.to_status)}</strong> <span class="meta">{when(event.created_at)}</span>
            {event.note && <span>{` · ${event.note}`}</span>}
          </li>
        ))}
      </ol>
      <h2>Payments</h2>
      {payments.data && payments.data.items.length === 0 && <p>No payments yet.</p>}
      <ul class="plain">
        {payments.data?.items.map((payment) => (
          <li key={payment.id}>
            {`${payment.provider.toUpperCase()} · ${money(payment.amount, payment.currency)} · ${statusWords(payment.status)}`}
            {payment.receipt && ` · receipt ${payment.receipt}`}
            {(payment.failure_code || payment.failure_reason) && ` · ${paymentFailure(payment)}`}
          </li>
        ))}
      </ul>
      {CANCELLABLE.has(order.status) &&
        (confirming ? (
          <div class="confirm">
            <p>{order.status === "pending_payment" ? "Cancel this order?" : "Cancel this order? What you paid will be refunded."}</p>
            <button type="button" class="danger" onClick={() => cancel.submit()} disabled={cancel.busy}>
              Yes, cancel the order
            </button>
            <button type="button" class="link" onClick={() => setConfirming(false)}>
              Keep the order
            </button>
          </div>
        ) : (
          <button type="button" onClick={() => setConfirming(true)}>
            Cancel order
          </button>
        ))}
    </Page>
  );
}
