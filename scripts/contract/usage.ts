// What a SPA written against the generated types does; `tsc --strict` must accept it, and it
// breaks if the document stops typing these fields (a nullable brand, a boolean in_stock...).
import type { components, operations, paths } from "./build/api";

type Card = components["schemas"]["ProductCardOut"];
type Listing = paths["/api/v1/products"]["get"]["responses"][200]["content"]["application/json"];
type Problem = components["schemas"]["ProblemOut"];
type ListQuery = NonNullable<operations["listProducts"]["parameters"]["query"]>;

export function brandName(card: Card): string {
  // brand is `RefOut | null`: the compiler insists on the null check.
  return card.brand === null ? "No brand" : card.brand.name;
}

export function cardLine(card: Card): string {
  const stock: boolean = card.in_stock;
  const condition: "new" | "refurbished" = card.condition;
  const image: string | undefined = card.image?.thumbnail_url;
  return `${card.name} (${brandName(card)}) ${card.price} ${card.currency} ${stock ? "in stock" : "sold out"} ${condition} ${image ?? ""}`;
}

export function pageSummary(listing: Listing): string {
  const first = listing.items[0];
  const facets = listing.facets.brands.map((brand) => `${brand.name}: ${brand.count}`).join(", ");
  return `${listing.meta.total} products in ${listing.meta.pages} pages; first: ${first ? cardLine(first) : "none"}; ${facets}`;
}

export const query: ListQuery = { q: "phone", brand: ["tecno", "samsung"], in_stock: true, sort: "-price", per_page: 20 };

export function explain(problem: Problem): string {
  const fields = Object.keys(problem.errors ?? {}).join(", ");
  return `${problem.status} ${problem.code}: ${problem.detail}${fields ? ` (${fields})` : ""}`;
}

type Role = components["schemas"]["ProfileOut"]["role"];
export const roles: Role[] = ["customer", "supplier", "admin"];
