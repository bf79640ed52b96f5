// Home and catalog: search, the category tree, brand and price filters from the facets, sort,
// pages. Every choice is in the URL, so a filtered page can be shared and reloaded.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { paths, S } from "../api/types";
import { Loading, Page, Pager, Price, Problem, Stars } from "../components";
import { useLoad } from "../hooks";
import { amountOrNull } from "../money";
import { navigate, query } from "../router";

type Sort = NonNullable<paths["/api/v1/products"]["get"]["parameters"]["query"]>["sort"];

// On a phone the filters start folded, so the products come first.
const WIDE = window.matchMedia("(min-width: 48rem)");

const SORTS: [string, string][] = [
  ["", "Best match / newest"],
  ["price", "Price: low to high"],
  ["-price", "Price: high to low"],
  ["rating", "Rating"],
  ["newest", "Newest"],
  ["name", "Name"],
  ["featured", "Featured first"],
];

function filtersOf(url: URL) {
  const get = (name: string) => url.searchParams.get(name) ?? "";
  return {
    q: get("q"),
    category: get("category"),
    brand: url.searchParams.getAll("brand"),
    min_price: get("min_price"),
    max_price: get("max_price"),
    in_stock: get("in_stock") === "true",
    seller: get("seller"),
    sort: get("sort"),
    page: Math.max(1, Number.parseInt(get("page") || "1", 10) || 1),
  };
}

type Filters = ReturnType<typeof filtersOf>;

function hrefFor(filters: Filters, change: Partial<Filters>): string {
  const next = { ...filters, page: 1, ...change };
  const search = new URLSearchParams(query({ ...next, brand: null, page: next.page === 1 ? null : next.page }));
  for (const brand of next.brand) search.append("brand", brand);
  const text = search.toString();
  return `/${text ? `?${text}` : ""}`;
}

export function ProductCard({ product }: { product: S["ProductCardOut"] }) {
  return (
    <li class="card">
      <a href={`/products/${product.slug}`}>
        {product.image ? (
          <img src={product.image.thumbnail_url} alt={product.image.alt || product.name} width={300} height={300} loading="lazy" />
        ) : (
          <span class="no-image" aria-hidden="true" />
        )}
        <span class="name">{product.name}</span>
      </a>
      <Price amount={product.price} was={product.compare_at_price} currency={product.currency} />
      {product.rating_count > 0 && <Stars average={product.rating_average} count={product.rating_count} />}
      <span class={product.in_stock ? "stock" : "stock out"}>{product.in_stock ? "In stock" : "Out of stock"}</span>
      <span class="seller">{`Sold by ${product.seller.name}`}</span>
    </li>
  );
}

function CategoryTree(props: { nodes: S["CategoryNodeOut"][]; filters: Filters }) {
  return (
    <ul>
      {props.nodes.map((node) => (
        <li key={node.id}>
          <a
            href={hrefFor(props.filters, { category: node.slug })}
            aria-current={props.filters.category === node.slug ? "true" : undefined}
          >
            {node.name}
          </a>
          {node.children.length > 0 && <CategoryTree nodes={node.children as S["CategoryNodeOut"][]} filters={props.filters} />}
        </li>
      ))}
    </ul>
  );
}

function PriceFilter({ filters, range }: { filters: Filters; range: S["PriceRangeOut"] }) {
  const [min, setMin] = useState(filters.min_price);
  const [max, setMax] = useState(filters.max_price);
  const [error, setError] = useState("");
  return (
    <form
      class="price-filter"
      onSubmit={(event) => {
        event.preventDefault();
        const low = min.trim() ? amountOrNull(min) : "";
        const high = max.trim() ? amountOrNull(max) : "";
        if (low === null || high === null) {
          setError("Enter amounts in shillings, like 1500 or 1499.50.");
          return;
        }
        setError("");
        navigate(hrefFor(filters, { min_price: low, max_price: high }));
      }}
    >
      <fieldset>
        <legend>Price (KES)</legend>
        <label for="min-price">From</label>
        <input id="min-price" inputMode="decimal" placeholder={range.min ?? ""} value={min} onInput={(e) => setMin((e.target as HTMLInputElement).value)} />
        <label for="max-price">To</label>
        <input id="max-price" inputMode="decimal" placeholder={range.max ?? ""} value={max} onInput={(e) => setMax((e.target as HTMLInputElement).value)} />
        <button type="submit">Apply</button>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
      </fieldset>
    </form>
  );
}

export function Catalog({ url }: { url: URL }) {
  const filters = filtersOf(url);
  const products = useLoad(
    () =>
      api.GET("/api/v1/products", {
        params: {
          query: {
            q: filters.q || undefined,
            category: filters.category || undefined,
            brand: filters.brand.length ? filters.brand : undefined,
            min_price: amountOrNull(filters.min_price) ?? undefined,
            max_price: amountOrNull(filters.max_price) ?? undefined,
            in_stock: filters.in_stock || undefined,
            seller: filters.seller || undefined,
            sort: (filters.sort || undefined) as Sort,
            page: filters.page,
            per_page: 24,
          },
        },
      }),
    [url.search],
  );
  const categories = useLoad(() => api.GET("/api/v1/categories"), []);
  const [wide, setWide] = useState(WIDE.matches);
  useEffect(() => {
    const follow = () => setWide(WIDE.matches);
    WIDE.addEventListener("change", follow);
    return () => WIDE.removeEventListener("change", follow);
  }, []);
  const data = products.data;
  const title = filters.q ? `Results for “${filters.q}”` : "Shop";

  return (
    <Page title={title} wide>
      <div class="catalog">
        <details class="filters" open={wide}>
          <summary>Filters</summary>
          {/* All at once, when both the tree and the facets are here: nothing moves after. */}
          {categories.data && data && (
            <>
              <h2>Categories</h2>
              <p>
                <a href={hrefFor(filters, { category: "" })} aria-current={!filters.category ? "true" : undefined}>
                  All products
                </a>
              </p>
              <CategoryTree nodes={categories.data} filters={filters} />
              {data && data.facets.brands.length > 0 && (
                <fieldset>
                  <legend>Brand</legend>
                  {data.facets.brands.map((brand) => {
                    const on = filters.brand.includes(brand.slug);
                    const id = `brand-${brand.slug}`;
                    return (
                      <div class="check" key={brand.id}>
                        <input
                          type="checkbox"
                          id={id}
                          checked={on}
                          onChange={() =>
                            navigate(
                              hrefFor(filters, {
                                brand: on ? filters.brand.filter((b) => b !== brand.slug) : [...filters.brand, brand.slug],
                              }),
                            )
                          }
                        />
                        <label for={id}>{`${brand.name} (${brand.count})`}</label>
                      </div>
                    );
                  })}
                </fieldset>
              )}
              <PriceFilter key={url.search} filters={filters} range={data.facets.price_range} />
              <div class="check">
                <input
                  type="checkbox"
                  id="in-stock"
                  checked={filters.in_stock}
                  onChange={() => navigate(hrefFor(filters, { in_stock: !filters.in_stock }))}
                />
                <label for="in-stock">In stock only</label>
              </div>
            </>
          )}
        </details>
        <div class="results">
          <div class="toolbar">
            <p role="status">{data ? `${data.meta.total} products` : "\u00a0"}</p>
            <label for="sort">Sort by</label>
            <select id="sort" value={filters.sort} onChange={(e) => navigate(hrefFor(filters, { sort: (e.target as HTMLSelectElement).value }))}>
              {SORTS.map(([value, label]) => (
                <option value={value} key={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
          <Problem problem={products.problem} />
          {!data && products.loading && <Loading />}
          {data && data.items.length === 0 && <p>No products match. Try fewer filters or other words.</p>}
          {data && (
            <ul class="grid" aria-busy={products.loading ? "true" : undefined}>
              {data.items.map((product) => (
                <ProductCard product={product} key={product.id} />
              ))}
            </ul>
          )}
          {data && (
            <Pager
              page={data.meta.page}
              pages={data.meta.pages}
              path="/"
              search={url.searchParams}
            />
          )}
        </div>
      </div>
    </Page>
  );
}
