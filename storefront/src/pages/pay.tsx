// Paying by M-Pesa: the phone number, then "check your phone" while the payment is followed
// (GET /payments/{id} every few seconds) until M-Pesa's callback settles it, paid or failed.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { S } from "../api/types";
import { Field, Notice, Page, Problem, localPhone, Pending } from "../components";
import { paymentFailure, type Shown, shown } from "../errors";
import { changed, useLoad, useSubmit, useUser } from "../hooks";
import { cents, fromCents, money } from "../money";

const EVERY_MS = 2000;
const GIVE_UP_MS = 120_000;

function Following({ payment, onDone }: { payment: S["PaymentOut"]; onDone: (payment: S["PaymentOut"]) => void }) {
  const [problem, setProblem] = useState<Shown | null>(null);
  const [waitedOut, setWaitedOut] = useState(false);
  useEffect(() => {
    const started = Date.now();
    let live = true;
    const tick = async () => {
      if (!live) return;
      const { data, error } = await api.GET("/api/v1/payments/{payment_id}", { params: { path: { payment_id: payment.id } } });
      if (!live) return;
      if (error) setProblem(shown(error));
      else if (data && data.status !== "pending") return onDone(data);
      if (Date.now() - started > GIVE_UP_MS) setWaitedOut(true);
      else timer = window.setTimeout(tick, EVERY_MS);
    };
    let timer = window.setTimeout(tick, EVERY_MS);
    return () => {
      live = false;
      window.clearTimeout(timer);
    };
  }, [payment.id]);
  const check = useSubmit(
    () => api.POST("/api/v1/payments/{payment_id}/refresh", { params: { path: { payment_id: payment.id } } }),
    (data) => {
      if (data.status !== "pending") onDone(data);
    },
  );
  return (
    <div class="pending" aria-live="polite">
      <p class="big">Check your phone</p>
      <p>{`We've sent an M-Pesa request for ${money(payment.amount, payment.currency)} to ${localPhone(payment.phone) || "your phone"}. Enter your M-Pesa PIN to pay.`}</p>
      {!waitedOut && (
        <p class="waiting" role="status">
          Waiting for M-Pesa to confirm…
        </p>
      )}
      <Problem problem={problem ?? check.problem} />
      {waitedOut && (
        <>
          <p>We haven't heard from M-Pesa yet.</p>
          <button type="button" onClick={() => check.submit()} disabled={check.busy}>
            I've paid: check again
          </button>
        </>
      )}
    </div>
  );
}

export function PayPage({ params }: { params: Record<string, string> }) {
  const id = Number.parseInt(params.id!, 10);
  const user = useUser();
  const order = useLoad(() => api.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: id } } }), [id]);
  const [phone, setPhone] = useState(user?.phone ?? "");
  const [payment, setPayment] = useState<S["PaymentOut"] | null>(null);
  const [outcome, setOutcome] = useState<S["PaymentOut"] | null>(null);
  const push = useSubmit(
    () => api.POST("/api/v1/payments/mpesa/stk-push", { body: { order_id: id, phone: phone.trim() } }),
    (started) => setPayment(started),
  );
  // A prompt already on its way: follow it rather than send another.
  useEffect(() => {
    const inProgress = push.problem?.code === "payment_in_progress";
    if (!inProgress) return;
    api.GET("/api/v1/orders/{order_id}/payments", { params: { path: { order_id: id } } }).then(({ data }) => {
      const open = data?.items.find((item) => item.status === "pending");
      if (open) setPayment(open);
    });
  }, [push.problem]);

  if (!order.data) {
    return <Pending title="Pay with M-Pesa" loaded={order} />;
  }
  const current = order.data;
  const due = money(fromCents(cents(current.total) - cents(current.wallet_amount)), current.currency);
  if (outcome?.status === "succeeded" || current.status !== "pending_payment") {
    return (
      <Page title="Payment received">
        <Notice>
          {`Thank you! Order ${current.reference} is paid${outcome?.receipt ? ` (M-Pesa receipt ${outcome.receipt})` : ""}.`}{" "}
          <a href={`/orders/${current.id}`}>See your order</a>
        </Notice>
      </Page>
    );
  }
  if (payment && !outcome) {
    return (
      <Page title="Pay with M-Pesa">
        <Following
          payment={payment}
          onDone={(done) => {
            setOutcome(done);
            changed();
            if (done.status === "succeeded") order.reload();
          }}
        />
      </Page>
    );
  }
  return (
    <Page title="Pay with M-Pesa">
      {outcome && (
        <p class="alert" role="alert">
          {`The payment didn't go through. ${paymentFailure(outcome)} You can try again.`.replace(/\s+/g, " ")}
        </p>
      )}
      <p>{`Order ${current.reference}: ${due} to pay.`}</p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setOutcome(null);
          push.submit();
        }}
      >
        <Problem problem={push.problem?.code === "payment_in_progress" ? null : push.problem} />
        <Field
          label="M-Pesa phone number"
          name="phone"
          type="tel"
          autoComplete="tel"
          hint="The Safaricom number that pays, like 0712 345 678"
          value={phone}
          onInput={setPhone}
          required
          error={push.problem?.fields.phone}
        />
        <button type="submit" class="primary" disabled={push.busy}>
          {`Pay ${due}`}
        </button>
      </form>
    </Page>
  );
}
