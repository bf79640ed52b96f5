// The pieces every page is built of. Inputs are always labelled and carry their error.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Shown } from "./errors";
import { money } from "./money";
import { navigatedInApp } from "./router";

/** A page: sets the document title and, after an in-app navigation, moves focus to the heading
 * (screen readers announce the new page; the next Tab goes on from there). */
export function Page(props: { title: string; children: ComponentChildren; wide?: boolean }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Duka`;
    const idle = document.activeElement === document.body || document.activeElement === null;
    if (idle && navigatedInApp()) heading.current?.focus({ preventScroll: true });
  }, [props.title]);
  return (
    <section class={props.wide ? "page wide" : "page"} aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1} ref={heading}>
        {props.title}
      </h1>
      {props.children}
    </section>
  );
}

interface InputProps {
  label: string;
  name: string;
  value: string;
  onInput: (value: string) => void;
  error?: string | undefined;
  hint?: string;
  type?: "text" | "email" | "password" | "tel" | "number" | "date" | "search";
  autoComplete?: string;
  inputMode?: "text" | "numeric" | "decimal" | "tel" | "email";
  required?: boolean;
  autoFocus?: boolean;
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  pattern?: string;
}

export function Field({ label, name, value, onInput, error, hint, type = "text", ...rest }: InputProps) {
  const id = `field-${name}`;
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ");
  return (
    <div class={error ? "field invalid" : "field"}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      <input
        id={id}
        name={name}
        // (cast: Preact's input types are a union by `type`, which a union-typed value can't pick)
        type={type as "text"}
        value={value}
        onInput={(event) => onInput((event.target as HTMLInputElement).value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={described || undefined}
        {...rest}
      />
      {error && (
        <p class="error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

export function Checkbox(props: {
  label: ComponentChildren;
  name: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  error?: string | undefined;
}) {
  const id = `field-${props.name}`;
  return (
    <div class={props.error ? "field check invalid" : "field check"}>
      <input
        type="checkbox"
        id={id}
        name={props.name}
        checked={props.checked}
        onChange={(event) => props.onChange((event.target as HTMLInputElement).checked)}
        aria-invalid={props.error ? "true" : undefined}
        aria-describedby={props.error ? `${id}-error` : undefined}
      />
      <label for={id}>{props.label}</label>
      {props.error && (
        <p class="error" id={`${id}-error`}>
          {props.error}
        </p>
      )}
    </div>
  );
}

/** A new password's input, with the rule the API applies. */
export function NewPassword(props: { label: string; value: string; onInput: (value: string) => void; error?: string | undefined }) {
  return (
    <Field
      label={props.label}
      name="password"
      type="password"
      autoComplete="new-password"
      hint="At least 8 characters, not a common password."
      value={props.value}
      onInput={props.onInput}
      required
      minLength={8}
      error={props.error}
    />
  );
}

/** A form's problem, announced to screen readers when it appears. */
export function Problem({ problem }: { problem: Shown | null }) {
  if (!problem) return null;
  return (
    <p class="alert" role="alert">
      {problem.message}
    </p>
  );
}

/** A page until its data is here: the problem that stopped it, or that it is loading. */
export function Pending(props: { title: string; loaded: { problem: Shown | null; loading: boolean } }) {
  return (
    <Page title={props.title}>
      <Problem problem={props.loaded.problem} />
      {props.loaded.loading && <Loading />}
    </Page>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status">
      Loading…
    </p>
  );
}

export function Price(props: { amount: string; was?: string | null; currency?: string }) {
  return (
    <span class="price">
      <strong>{money(props.amount, props.currency)}</strong>
      {props.was && (
        <s>
          <span class="visually-hidden">was </span>
          {money(props.was, props.currency)}
        </s>
      )}
    </span>
  );
}

/** "4.5" out of 5 as stars, with the words for screen readers. */
export function Stars(props: { average: string; count?: number }) {
  const value = Number.parseFloat(props.average) || 0;
  const full = Math.round(value);
  return (
    <span class="stars">
      <span aria-hidden="true">{"★".repeat(full) + "☆".repeat(5 - full)}</span>
      <span class="visually-hidden">{`Rated ${props.average} out of 5`}</span>
      {props.count !== undefined && <span class="count">{` (${props.count})`}</span>}
    </span>
  );
}

/** Page links that keep the other query parameters (shareable URLs). */
export function Pager(props: { page: number; pages: number; path: string; search: URLSearchParams }) {
  if (props.pages <= 1) return null;
  const link = (page: number) => {
    const search = new URLSearchParams(props.search);
    if (page === 1) search.delete("page");
    else search.set("page", String(page));
    const text = search.toString();
    return props.path + (text ? `?${text}` : "");
  };
  return (
    <nav class="pager" aria-label="Pages">
      {props.page > 1 ? <a href={link(props.page - 1)}>Previous</a> : <span aria-hidden="true" />}
      <span>{`Page ${props.page} of ${props.pages}`}</span>
      {props.page < props.pages ? <a href={link(props.page + 1)}>Next</a> : <span aria-hidden="true" />}
    </nav>
  );
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleString("en-KE", { dateStyle: "medium", timeStyle: "short" });
}

export function day(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Date(iso).toLocaleDateString("en-KE", { dateStyle: "medium" });
}

/** An order or payment status in words. */
export function statusWords(status: string): string {
  return status.replace(/_/g, " ").replace(/^\w/, (c) => c.toUpperCase());
}

/** "254712345678" or "+254712345678" -> "0712 345 678", as Kenyans write their numbers. */
export function localPhone(phone: string | null | undefined): string {
  if (!phone) return "";
  const digits = phone.replace(/\D/g, "");
  const local = digits.startsWith("254") && digits.length === 12 ? `0${digits.slice(3)}` : digits;
  return local.length === 10 ? `${local.slice(0, 4)} ${local.slice(4, 7)} ${local.slice(7)}` : phone;
}
