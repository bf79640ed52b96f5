// The wallet: store credit, its history, and a top-up by M-Pesa.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Field, Loading, Notice, Page, Pager, Problem, day } from "../components";
import { useLoad, useSubmit, useUser } from "../hooks";
import { amountOrNull, cents, money } from "../money";

export function WalletPage({ url }: { url: URL }) {
  const user = useUser();
  const page = Math.max(1, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1);
  const wallet = useLoad(() => api.GET("/api/v1/wallet"), []);
  const history = useLoad(() => api.GET("/api/v1/wallet/transactions", { params: { query: { page } } }), [page]);
  const [amount, setAmount] = useState("");
  const [phone, setPhone] = useState(user?.phone ?? "");
  const [sent, setSent] = useState(false);
  const topUp = useSubmit(
    () => api.POST("/api/v1/wallet/top-ups", { body: { amount: amountOrNull(amount) ?? amount, phone: phone.trim() } }),
    () => setSent(true),
  );
  const data = wallet.data;
  return (
    <Page title="Your wallet">
      <Problem problem={wallet.problem} />
      {!data && wallet.loading && <Loading />}
      {data && (
        <p class="big">
          {money(data.balance, data.currency)}
          {cents(data.held) > 0n && <span class="meta">{` · ${money(data.held, data.currency)} held for an order`}</span>}
        </p>
      )}
      <h2>Top up by M-Pesa</h2>
      {sent ? (
        <Notice>Check your phone and enter your M-Pesa PIN. The money shows here once M-Pesa confirms it.</Notice>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            topUp.submit();
          }}
        >
          <Problem problem={topUp.problem} />
          <Field label="Amount (KES)" name="amount" inputMode="decimal" value={amount} onInput={setAmount} required error={topUp.problem?.fields.amount} />
          <Field label="M-Pesa phone number" name="phone" type="tel" autoComplete="tel" value={phone} onInput={setPhone} required error={topUp.problem?.fields.phone} />
          <button type="submit" disabled={topUp.busy}>
            Top up
          </button>
        </form>
      )}
      <h2>History</h2>
      {history.data && history.data.items.length === 0 && <p>No transactions yet.</p>}
      <table class="lines">
        <caption class="visually-hidden">Wallet transactions</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            <th scope="col">What</th>
            <th scope="col">Amount</th>
            <th scope="col">Balance</th>
          </tr>
        </thead>
        <tbody>
          {history.data?.items.map((item) => (
            <tr key={item.id}>
              <td>{day(item.created_at)}</td>
              <td>{item.memo}</td>
              <td>{money(item.amount)}</td>
              <td>{money(item.balance)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {history.data && <Pager page={history.data.meta.page} pages={history.data.meta.pages} path="/wallet" search={url.searchParams} />}
    </Page>
  );
}
