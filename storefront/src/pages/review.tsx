// Write a review of a product that was delivered to me.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Field, Notice, Page, Problem, Pending } from "../components";
import { useLoad, useSubmit } from "../hooks";

export function ReviewPage({ params }: { params: Record<string, string> }) {
  const productId = Number.parseInt(params.productId!, 10);
  const product = useLoad(() => api.GET("/api/v1/products/{product_id}", { params: { path: { product_id: productId } } }), [productId]);
  const [rating, setRating] = useState(0);
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [done, setDone] = useState(false);
  const send = useSubmit(
    () =>
      api.POST("/api/v1/products/{product_id}/reviews", {
        params: { path: { product_id: productId } },
        body: { rating, title: title.trim() || null, body: body.trim() || null },
      }),
    () => setDone(true),
  );
  if (!product.data) {
    return <Pending title="Write a review" loaded={product} />;
  }
  if (done) {
    return (
      <Page title="Thank you for your review">
        <Notice>
          Your review is posted. <a href={`/products/${product.data.slug}`}>{`See ${product.data.name}`}</a>
        </Notice>
      </Page>
    );
  }
  return (
    <Page title={`Review ${product.data.name}`}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          send.submit();
        }}
      >
        <Problem problem={send.problem} />
        <fieldset class={send.problem?.fields.rating ? "stars-input invalid" : "stars-input"}>
          <legend>Your rating</legend>
          {[1, 2, 3, 4, 5].map((stars) => (
            <span key={stars}>
              <input type="radio" name="rating" id={`rating-${stars}`} checked={rating === stars} onChange={() => setRating(stars)} />
              <label for={`rating-${stars}`}>{`${stars} ${stars === 1 ? "star" : "stars"}`}</label>
            </span>
          ))}
          {send.problem?.fields.rating && <p class="error">Choose from 1 to 5 stars.</p>}
        </fieldset>
        <Field label="Title (optional)" name="title" value={title} onInput={setTitle} maxLength={120} error={send.problem?.fields.title} />
        <div class="field">
          <label for="field-body">Your review (optional)</label>
          <textarea id="field-body" rows={5} maxLength={5000} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
          {send.problem?.fields.body && <p class="error">{send.problem.fields.body}</p>}
        </div>
        <button type="submit" class="primary" disabled={send.busy}>
          Post the review
        </button>
      </form>
    </Page>
  );
}
