// Create an account: name, email, password, marketing consent, the terms. Then the shopper is
// logged in (the guest cart comes along) and asked to verify the email.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Checkbox, Field, Page, Problem } from "../components";
import { useSubmit } from "../hooks";
import { signedIn } from "./login";

export function RegisterPage({ url }: { url: URL }) {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [marketing, setMarketing] = useState(false);
  const [terms, setTerms] = useState(false);
  const login = useSubmit(
    () => api.POST("/api/v1/auth/login", { body: { email, password } }),
    (pair) => signedIn(pair, "/account?welcome=1"),
  );
  const register = useSubmit(
    () =>
      api.POST("/api/v1/auth/register", {
        body: { name, email, password, marketing_opt_in: marketing, accept_terms: terms },
      }),
    () => login.submit(),
  );
  const problem = register.problem ?? login.problem;
  const fields = register.problem?.fields ?? {};
  return (
    <Page title="Create an account">
      <form
        onSubmit={(event) => {
          event.preventDefault();
          register.submit();
        }}
      >
        <Problem problem={problem} />
        <Field label="Full name" name="name" autoComplete="name" value={name} onInput={setName} required error={fields.name} />
        <Field label="Email" name="email" type="email" autoComplete="email" value={email} onInput={setEmail} required error={fields.email} />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          hint="At least 8 characters, not a common password."
          value={password}
          onInput={setPassword}
          required
          minLength={8}
          error={fields.password}
        />
        <Checkbox label="Send me offers and news by email (you can stop any time)" name="marketing_opt_in" checked={marketing} onChange={setMarketing} error={fields.marketing_opt_in} />
        <Checkbox label="I accept the terms of service and the privacy policy" name="accept_terms" checked={terms} onChange={setTerms} error={fields.accept_terms} />
        <button type="submit" class="primary" disabled={register.busy || login.busy}>
          Create account
        </button>
      </form>
      <p>
        Have an account? <a href={`/login${url.search}`}>Log in</a>
      </p>
    </Page>
  );
}
