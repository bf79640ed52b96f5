// Ask for a return of a delivered order: which items, why, where the refund goes, and photos.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { S } from "../api/types";
import { Notice, Page, Problem, statusWords, Pending } from "../components";
import { type Shown, shown } from "../errors";
import { useLoad } from "../hooks";

const REASONS: [S["ReturnIn"]["reason"], string][] = [
  ["damaged", "It arrived damaged"],
  ["wrong_item", "I received the wrong item"],
  ["not_as_described", "It isn't as described"],
  ["changed_mind", "I changed my mind"],
  ["other", "Another reason"],
];

export function ReturnPage({ params }: { params: Record<string, string> }) {
  const id = Number.parseInt(params.id!, 10);
  const order = useLoad(() => api.GET("/api/v1/orders/{order_id}", { params: { path: { order_id: id } } }), [id]);
  const [quantities, setQuantities] = useState<Record<number, string>>({});
  const [reason, setReason] = useState<S["ReturnIn"]["reason"]>("damaged");
  const [details, setDetails] = useState("");
  const [refundTo, setRefundTo] = useState<"original" | "wallet">("original");
  const [photos, setPhotos] = useState<File[]>([]);
  const [problem, setProblem] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<S["ReturnOut"] | null>(null);

  const submit = async () => {
    setBusy(true);
    setProblem(null);
    const lines = Object.entries(quantities)
      .map(([line, quantity]) => ({ order_line_id: Number(line), quantity: Number.parseInt(quantity, 10) || 0 }))
      .filter((line) => line.quantity > 0);
    if (lines.length === 0) {
      setBusy(false);
      setProblem({ code: "no_lines", message: "Choose at least one item to return.", fields: {} });
      return;
    }
    const { data, error } = await api.POST("/api/v1/returns", {
      body: { order_id: id, lines, reason, details: details.trim() || null, refund_to: refundTo },
    });
    if (error || !data) {
      setBusy(false);
      setProblem(shown(error));
      return;
    }
    for (const photo of photos) {
      const uploaded = await api.POST("/api/v1/returns/{return_id}/images", {
        params: { path: { return_id: data.id } },
        body: { file: "" },
        bodySerializer: () => {
          const form = new FormData();
          form.append("file", photo);
          return form;
        },
      });
      if (uploaded.error) setProblem(shown(uploaded.error));
    }
    setBusy(false);
    setMade(data);
  };

  if (!order.data) {
    return <Pending title="Return items" loaded={order} />;
  }
  if (made) {
    return (
      <Page title="Return requested">
        <Problem problem={problem} />
        <Notice>
          {`Your return request is ${statusWords(made.status).toLowerCase()}. We'll let you know when it's approved, with the next steps.`}{" "}
          <a href={`/orders/${id}`}>Back to the order</a>
        </Notice>
      </Page>
    );
  }
  return (
    <Page title={`Return items from ${order.data.reference}`}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          submit();
        }}
      >
        <Problem problem={problem} />
        <fieldset>
          <legend>What are you returning?</legend>
          {order.data.lines
            .filter((line) => !line.cancelled_at)
            .map((line) => (
              <div class="field" key={line.id}>
                <label for={`return-${line.id}`}>{`${line.name} (bought ${line.quantity})`}</label>
                <input
                  id={`return-${line.id}`}
                  type="number"
                  min={0}
                  max={line.quantity}
                  value={quantities[line.id] ?? "0"}
                  onInput={(e) => setQuantities({ ...quantities, [line.id]: (e.target as HTMLInputElement).value })}
                />
              </div>
            ))}
          {problem?.fields.lines && <p class="error">{problem.fields.lines}</p>}
        </fieldset>
        <div class="field">
          <label for="return-reason">Why?</label>
          <select id="return-reason" value={reason} onChange={(e) => setReason((e.target as HTMLSelectElement).value as S["ReturnIn"]["reason"])}>
            {REASONS.map(([value, words]) => (
              <option value={value} key={value}>
                {words}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="return-details">Tell us more (optional)</label>
          <textarea id="return-details" rows={4} maxLength={2000} value={details} onInput={(e) => setDetails((e.target as HTMLTextAreaElement).value)} />
        </div>
        <fieldset>
          <legend>Refund to</legend>
          <div class="check">
            <input type="radio" name="refund_to" id="refund-original" checked={refundTo === "original"} onChange={() => setRefundTo("original")} />
            <label for="refund-original">The way I paid</label>
          </div>
          <div class="check">
            <input type="radio" name="refund_to" id="refund-wallet" checked={refundTo === "wallet"} onChange={() => setRefundTo("wallet")} />
            <label for="refund-wallet">My Duka wallet (at once)</label>
          </div>
        </fieldset>
        <div class="field">
          <label for="return-photos">Photos (up to 5: JPEG, PNG or WebP)</label>
          <input
            id="return-photos"
            type="file"
            multiple
            accept="image/jpeg,image/png,image/webp"
            onChange={(e) => setPhotos(Array.from((e.target as HTMLInputElement).files ?? []).slice(0, 5))}
          />
        </div>
        <button type="submit" class="primary" disabled={busy}>
          Ask for the return
        </button>
      </form>
    </Page>
  );
}
