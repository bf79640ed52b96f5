// Money arrives as a decimal string ("1499.00"); it is formatted as text, never through a float.

/** "1499.5" -> "KES 1,499.50" */
export function money(amount: string | null | undefined, currency = "KES"): string {
  if (amount === null || amount === undefined || amount === "") return "";
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = amount.replace(/^[-+]/, "").split(".");
  const grouped = whole.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (fraction + "00").slice(0, 2);
  return `${negative ? "-" : ""}${currency} ${grouped}.${cents}`;
}

/** For a price filter typed by a shopper: digits with at most two decimals, or null. */
export function amountOrNull(text: string): string | null {
  const trimmed = text.trim().replace(/,/g, "");
  return /^\d{1,9}(\.\d{1,2})?$/.test(trimmed) ? trimmed : null;
}

/** "1499.5" -> 149950n: to compare and add amounts exactly. */
export function cents(amount: string): bigint {
  const negative = amount.startsWith("-");
  const [whole = "0", fraction = ""] = amount.replace(/^[-+]/, "").split(".");
  const value = BigInt(whole || "0") * 100n + BigInt((fraction + "00").slice(0, 2));
  return negative ? -value : value;
}

/** 149950n -> "1499.50" */
export function fromCents(value: bigint): string {
  const sign = value < 0n ? "-" : "";
  const magnitude = value < 0n ? -value : value;
  return `${sign}${magnitude / 100n}.${String(magnitude % 100n).padStart(2, "0")}`;
}
