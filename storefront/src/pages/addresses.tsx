// Delivery addresses: the list, a new one, the default, removal.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import type { S } from "../api/types";
import { Checkbox, Field, Loading, Page, Problem } from "../components";
import { useLoad, useSubmit } from "../hooks";

const EMPTY = { label: "Home", recipient: "", phone: "", county: "", town: "", street: "", postal_code: "" };

/** A new address; `onAdded` gets it. Also used inline at checkout. */
export function AddressForm(props: { onAdded: (address: S["AddressOut"]) => void; makeDefault?: boolean }) {
  const [form, setForm] = useState(EMPTY);
  const [isDefault, setDefault] = useState(props.makeDefault ?? false);
  const set = (name: keyof typeof EMPTY) => (value: string) => setForm({ ...form, [name]: value });
  const add = useSubmit(
    () =>
      api.POST("/api/v1/me/addresses", {
        body: { ...form, postal_code: form.postal_code.trim() || null, is_default: isDefault },
      }),
    (address) => {
      setForm(EMPTY);
      props.onAdded(address);
    },
  );
  const fields = add.problem?.fields ?? {};
  return (
    <form
      class="address-form"
      onSubmit={(event) => {
        event.preventDefault();
        add.submit();
      }}
    >
      <Problem problem={add.problem} />
      <Field label="Label" name="label" hint="Home, Work…" value={form.label} onInput={set("label")} required error={fields.label} />
      <Field label="Recipient's name" name="recipient" autoComplete="name" value={form.recipient} onInput={set("recipient")} required error={fields.recipient} />
      <Field label="Recipient's phone" name="address-phone" type="tel" autoComplete="tel" value={form.phone} onInput={set("phone")} required error={fields.phone} />
      <Field label="County" name="county" autoComplete="address-level1" value={form.county} onInput={set("county")} required error={fields.county} />
      <Field label="Town" name="town" autoComplete="address-level2" value={form.town} onInput={set("town")} required error={fields.town} />
      <Field label="Street, building, floor" name="street" autoComplete="street-address" value={form.street} onInput={set("street")} required error={fields.street} />
      <Field label="Postal code (optional)" name="postal_code" autoComplete="postal-code" value={form.postal_code} onInput={set("postal_code")} error={fields.postal_code} />
      <Checkbox label="Make this my default address" name="is_default" checked={isDefault} onChange={setDefault} />
      <button type="submit" disabled={add.busy}>
        Save the address
      </button>
    </form>
  );
}

export function addressLine(address: { recipient: string; street: string; town: string; county: string }): string {
  return `${address.recipient}, ${address.street}, ${address.town}, ${address.county}`;
}

export function AddressesPage() {
  const loaded = useLoad(() => api.GET("/api/v1/me/addresses", { params: { query: { per_page: 100 } } }), []);
  const change = useSubmit(
    (call: () => Promise<{ data?: unknown; error?: unknown; response: Response }>) => call(),
    () => loaded.reload(),
  );
  return (
    <Page title="Your addresses">
      <Problem problem={loaded.problem ?? change.problem} />
      {loaded.loading && !loaded.data && <Loading />}
      {loaded.data && loaded.data.items.length === 0 && <p>No addresses yet.</p>}
      <ul class="plain">
        {loaded.data?.items.map((address) => {
          const path = { params: { path: { address_id: address.id } } };
          return (
            <li key={address.id} class="address">
              <p>
                <strong>{address.label}</strong>
                {address.is_default && " (default)"}
                <br />
                {addressLine(address)}
                <br />
                {address.phone}
              </p>
              {!address.is_default && (
                <button type="button" onClick={() => change.submit(() => api.PATCH("/api/v1/me/addresses/{address_id}", { ...path, body: { is_default: true } }))}>
                  {`Make ${address.label} the default`}
                </button>
              )}
              <button type="button" class="link" onClick={() => change.submit(() => api.DELETE("/api/v1/me/addresses/{address_id}", path))}>
                {`Remove ${address.label}`}
              </button>
            </li>
          );
        })}
      </ul>
      <h2>Add an address</h2>
      <AddressForm onAdded={() => loaded.reload()} makeDefault={loaded.data?.items.length === 0} />
    </Page>
  );
}
