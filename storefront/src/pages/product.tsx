// A product: images, price in KES, stock, specifications, seller, reviews with their star
// summary, and questions with their answers.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { S } from "../api/types";
import { day, Field, Notice, Page, Price, Problem, Stars, Pending } from "../components";
import { changed, useLoad, useSubmit, useUser } from "../hooks";
import { session } from "../session";
import { NotFound } from "./not-found";

function Gallery({ product }: { product: S["ProductOut"] }) {
  const images = product.images;
  const [shown, setShown] = useState(0);
  const image = images[shown];
  if (!image) return <span class="no-image large" aria-hidden="true" />;
  return (
    <div class="gallery">
      <img src={image.url} alt={image.alt || product.name} width={600} height={600} />
      {images.length > 1 && (
        <ul class="thumbs" aria-label="More pictures">
          {images.map((item, index) => (
            <li key={item.id}>
              <button type="button" aria-pressed={index === shown} onClick={() => setShown(index)}>
                <img src={item.thumbnail_url} alt={`Picture ${index + 1} of ${images.length}`} width={72} height={72} />
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function AddToCart({ product }: { product: S["ProductOut"] }) {
  const [quantity, setQuantity] = useState("1");
  const [added, setAdded] = useState(false);
  const adding = useSubmit(
    () =>
      api.POST("/api/v1/cart/lines", {
        body: { product_id: product.id, quantity: Number.parseInt(quantity, 10) || 0 },
      }),
    (cart) => {
      if (cart.cart_token) session.cartToken = cart.cart_token;
      setAdded(true);
      changed();
    },
  );
  if (!product.in_stock) return <p class="stock out">Out of stock</p>;
  return (
    <form
      class="add-to-cart"
      onSubmit={(event) => {
        event.preventDefault();
        setAdded(false);
        adding.submit();
      }}
    >
      <Field
        label="Quantity"
        name="quantity"
        type="number"
        min={1}
        max={Math.min(product.stock, 99)}
        value={quantity}
        onInput={setQuantity}
        error={adding.problem?.fields.quantity}
      />
      <button type="submit" class="primary" disabled={adding.busy}>
        Add to cart
      </button>
      <Problem problem={adding.problem} />
      {added && (
        <Notice>
          Added to your cart. <a href="/cart">View cart</a>
        </Notice>
      )}
    </form>
  );
}

function Reviews({ product }: { product: S["ProductOut"] }) {
  const reviews = useLoad(
    () => api.GET("/api/v1/products/{product_id}/reviews", { params: { path: { product_id: product.id } } }),
    [product.id],
  );
  const page = reviews.data;
  return (
    <section aria-labelledby="reviews-title" class="reviews">
      <h2 id="reviews-title">Reviews</h2>
      {page && page.summary.count === 0 && <p>No reviews yet.</p>}
      {page && page.summary.count > 0 && (
        <div class="summary">
          <p>
            <Stars average={page.summary.average} /> {`${page.summary.average} out of 5 from ${page.summary.count} reviews`}
          </p>
          <dl class="histogram">
            {[5, 4, 3, 2, 1].map((stars) => {
              const count = (page.summary.histogram as Record<string, number>)[String(stars)] ?? 0;
              return (
                <div key={stars}>
                  <dt>{`${stars} stars`}</dt>
                  <dd>
                    <meter min={0} max={page.summary.count} value={count} aria-label={`${stars} stars`} />
                    {` ${count}`}
                  </dd>
                </div>
              );
            })}
          </dl>
        </div>
      )}
      <ul class="plain">
        {page?.items.map((review) => (
          <li key={review.id} class="review">
            <Stars average={String(review.rating)} />
            {review.title && <h3>{review.title}</h3>}
            {review.body && <p>{review.body}</p>}
            <p class="meta">
              {`${review.author} · ${day(review.created_at)}`}
              {review.verified_purchase && " · Verified purchase"}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

function Questions({ product }: { product: S["ProductOut"] }) {
  const user = useUser();
  const questions = useLoad(
    () => api.GET("/api/v1/products/{product_id}/questions", { params: { path: { product_id: product.id } } }),
    [product.id],
  );
  const [body, setBody] = useState("");
  const [asked, setAsked] = useState(false);
  const asking = useSubmit(
    () => api.POST("/api/v1/products/{product_id}/questions", { params: { path: { product_id: product.id } }, body: { body } }),
    () => {
      setBody("");
      setAsked(true);
      questions.reload();
    },
  );
  const items = questions.data?.items ?? [];
  return (
    <section aria-labelledby="questions-title" class="questions">
      <h2 id="questions-title">Questions</h2>
      {items.length === 0 && <p>No questions yet.</p>}
      <ul class="plain">
        {items.map((question) => (
          <li key={question.id}>
            <p>
              <strong>Q:</strong> {question.body} <span class="meta">{`(${question.author})`}</span>
            </p>
            {question.answers.map((answer) => (
              <p key={answer.id}>
                <strong>A:</strong> {answer.body} <span class="meta">{`(${answer.by})`}</span>
              </p>
            ))}
          </li>
        ))}
      </ul>
      {user ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setAsked(false);
            asking.submit();
          }}
        >
          <Field label="Ask a question" name="question" value={body} onInput={setBody} maxLength={1000} error={asking.problem?.fields.body} />
          <button type="submit" disabled={asking.busy}>
            Ask
          </button>
          <Problem problem={asking.problem} />
          {asked && <Notice>Your question is posted. The seller will answer it here.</Notice>}
        </form>
      ) : (
        <p>
          <a href={`/login?next=/products/${product.slug}`}>Log in</a> to ask a question.
        </p>
      )}
    </section>
  );
}

export function ProductPage({ params }: { params: Record<string, string> }) {
  const slug = params.slug!;
  const loaded = useLoad(() => api.GET("/api/v1/products/by-slug/{slug}", { params: { path: { slug } } }), [slug]);
  const product = loaded.data;
  if (loaded.problem?.code === "product_not_found" || loaded.problem?.code === "not_found") return <NotFound />;
  if (!product) {
    return <Pending title="Product" loaded={loaded} />;
  }
  const specifications = Object.entries(product.specifications ?? {});
  return (
    <Page title={product.name} wide>
      <div class="product">
        <Gallery product={product} />
        <div class="buy">
          <Price amount={product.price} was={product.compare_at_price} currency={product.currency} />
          {product.rating_count > 0 && <Stars average={product.rating_average} count={product.rating_count} />}
          <p class={product.in_stock ? "stock" : "stock out"}>
            {product.in_stock ? `In stock (${product.stock} available)` : "Out of stock"}
          </p>
          <p>
            Sold by <a href={`/?seller=${encodeURIComponent(product.seller.slug)}`}>{product.seller.name}</a>
            {product.brand && ` · ${product.brand.name}`}
            {product.condition !== "new" && ` · ${product.condition}`}
          </p>
          <AddToCart product={product} />
        </div>
      </div>
      <section aria-labelledby="about-title">
        <h2 id="about-title">About this product</h2>
        <p class="description">{product.description}</p>
        {specifications.length > 0 && (
          <table class="specs">
            <caption>Specifications</caption>
            <tbody>
              {specifications.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td>{String(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {product.warranty && <p>{`Warranty: ${product.warranty}`}</p>}
      </section>
      <Reviews product={product} />
      <Questions product={product} />
    </Page>
  );
}
