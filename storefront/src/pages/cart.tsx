// The cart: kept for a guest across reloads (its token in localStorage), merged into the
// account's on login. Quantities, removal, save for later, and the problems the API reports on
// each line (a price that moved, stock that ran short, a product withdrawn).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { S } from "../api/types";
import { Notice, Page, Price, Problem, Pending } from "../components";
import { type Shown, shown } from "../errors";
import { changed, useLoad, useUser } from "../hooks";
import { money } from "../money";
import { navigate } from "../router";
import { session } from "../session";

type Result = { data?: S["CartOut"]; error?: unknown };

function Line(props: {
  line: S["CartLineOut"];
  saved?: boolean;
  act: (call: () => Promise<Result>) => void;
}) {
  const { line } = props;
  const [quantity, setQuantity] = useState(String(line.quantity));
  useEffect(() => setQuantity(String(line.quantity)), [line.quantity]);
  const path = { params: { path: { line_id: line.id } } };
  const id = `quantity-${line.id}`;
  return (
    <li class="line">
      {line.product.image ? (
        <img src={line.product.image.thumbnail_url} alt="" width={80} height={80} />
      ) : (
        <span class="no-image small" aria-hidden="true" />
      )}
      <div class="what">
        <a href={`/products/${line.product.slug}`}>{line.product.name}</a>
        <Price amount={line.unit_price} />
        {line.problems.map((problem) => (
          <p class="error" key={problem.code}>
            {problem.detail}
          </p>
        ))}
      </div>
      <div class="how">
        {!props.saved && (
          <form
            onSubmit={(event) => {
              event.preventDefault();
              props.act(() =>
                api.PATCH("/api/v1/cart/lines/{line_id}", { ...path, body: { quantity: Number.parseInt(quantity, 10) || 0 } }),
              );
            }}
          >
            <label for={id}>Quantity</label>
            <input id={id} type="number" min={1} max={99} value={quantity} onInput={(e) => setQuantity((e.target as HTMLInputElement).value)} />
            <button type="submit">Update</button>
          </form>
        )}
        {!props.saved && <p class="total">{money(line.line_total)}</p>}
        <div class="actions">
          {props.saved ? (
            <button type="button" onClick={() => props.act(() => api.POST("/api/v1/cart/lines/{line_id}/move-to-cart", path))}>
              Move to cart
            </button>
          ) : (
            <button type="button" onClick={() => props.act(() => api.POST("/api/v1/cart/lines/{line_id}/save-for-later", path))}>
              Save for later
            </button>
          )}
          <button type="button" class="link" onClick={() => props.act(() => api.DELETE("/api/v1/cart/lines/{line_id}", path))}>
            {`Remove ${line.product.name}`}
          </button>
        </div>
      </div>
    </li>
  );
}

export function CartPage() {
  const user = useUser();
  const loaded = useLoad(() => api.GET("/api/v1/cart"), [user?.id]);
  const [cart, setCart] = useState<S["CartOut"] | undefined>(undefined);
  const [problem, setProblem] = useState<Shown | null>(null);
  useEffect(() => setCart(loaded.data), [loaded.data]);

  const act = async (call: () => Promise<Result>) => {
    setProblem(null);
    const { data, error } = await call();
    if (error !== undefined) setProblem(shown(error as never));
    else if (data) setCart(data);
    changed();
  };

  if (!cart) {
    return <Pending title="Your cart" loaded={loaded} />;
  }
  if (cart.cart_token) session.cartToken = cart.cart_token;
  const blocked = cart.lines.some((line) => line.problems.length > 0);
  return (
    <Page title="Your cart">
      <Problem problem={problem} />
      {cart.lines.length === 0 ? (
        <p>
          Your cart is empty. <a href="/">Keep shopping</a>
        </p>
      ) : (
        <>
          <ul class="plain lines">
            {cart.lines.map((line) => (
              <Line line={line} act={act} key={line.id} />
            ))}
          </ul>
          <p class="subtotal">
            Subtotal <strong>{money(cart.subtotal, cart.currency)}</strong>
          </p>
          <p class="hint">Delivery is worked out at checkout from your address.</p>
          {blocked && <Notice>Sort out the problems above to check out.</Notice>}
          <button
            type="button"
            class="primary"
            disabled={blocked}
            onClick={() => navigate(user ? "/checkout" : "/login?next=/checkout")}
          >
            {user ? "Check out" : "Log in to check out"}
          </button>
        </>
      )}
      {cart.saved_for_later.length > 0 && (
        <section aria-labelledby="saved-title">
          <h2 id="saved-title">Saved for later</h2>
          <ul class="plain lines">
            {cart.saved_for_later.map((line) => (
              <Line line={line} saved act={act} key={line.id} />
            ))}
          </ul>
        </section>
      )}
    </Page>
  );
}
