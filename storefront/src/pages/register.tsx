// Create an account: name, email, password, marketing consent, the terms. Then the shopper is
// logged in (the guest cart comes along) and asked to verify the email.
import { useState } from "preact/hooks";
import { api } from "../api/client";
import { Checkbox, Field, NewPassword, Page, Problem } from "../components";
import { useLoad, useSubmit } from "../hooks";
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
  const methods = useLoad(() => api.GET("/api/v1/auth/methods"), []);
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
        <NewPassword label="Password" value={password} onInput={setPassword} error={fields.password} />
        <Checkbox label="Send me offers and news by email (you can stop any time)" name="marketing_opt_in" checked={marketing} onChange={setMarketing} error={fields.marketing_opt_in} />
        <Checkbox label="I accept the terms of service and the privacy policy" name="accept_terms" checked={terms} onChange={setTerms} error={fields.accept_terms} />
        <button type="submit" class="primary" disabled={register.busy || login.busy}>
          Create account
        </button>
      </form>
      {methods.data?.google && (
        <p>
          <a class="button" href="/api/v1/auth/google/start?accept_terms=true" data-external>
            Sign up with Google
          </a>
          <br />
          <span class="hint">Signing up with Google, you accept the terms of service and the privacy policy.</span>
        </p>
      )}
      <p>
        Have an account? <a href={`/login${url.search}`}>Log in</a>
      </p>
    </Page>
  );
}
