// The pages the API's emails link to: verify an email, reset a forgotten password.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { Field, Loading, NewPassword, Notice, Page, Problem } from "../components";
import { useSubmit, useUser } from "../hooks";
import { session } from "../session";

export function VerifyEmailPage({ url }: { url: URL }) {
  const token = url.searchParams.get("token") ?? "";
  const user = useUser();
  const [done, setDone] = useState(false);
  const verify = useSubmit(
    () => api.POST("/api/v1/auth/verify-email", { body: { token } }),
    () => {
      setDone(true);
      if (session.user) session.setUser({ ...session.user, email_verified: true });
    },
  );
  useEffect(() => {
    if (token) verify.submit();
  }, [token]);
  return (
    <Page title="Verify your email">
      {!token && <p class="alert">This link is missing its code. Open the link from the email again.</p>}
      {verify.busy && <Loading />}
      <Problem problem={verify.problem} />
      {done && (
        <Notice>
          Your email address is verified. {user ? <a href="/">Go shopping</a> : <a href="/login">Log in</a>}
        </Notice>
      )}
    </Page>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(false);
  const ask = useSubmit(
    () => api.POST("/api/v1/auth/forgot-password", { body: { email } }),
    () => setSent(true),
  );
  return (
    <Page title="Forgot your password?">
      {sent ? (
        <Notice>If an account uses that address, we've emailed it a link to choose a new password.</Notice>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            ask.submit();
          }}
        >
          <p>Enter your email and we'll send you a link to choose a new password.</p>
          <Problem problem={ask.problem} />
          <Field label="Email" name="email" type="email" autoComplete="email" value={email} onInput={setEmail} required error={ask.problem?.fields.email} />
          <button type="submit" class="primary" disabled={ask.busy}>
            Send the link
          </button>
        </form>
      )}
    </Page>
  );
}

export function ResetPasswordPage({ url }: { url: URL }) {
  const token = url.searchParams.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [done, setDone] = useState(false);
  const reset = useSubmit(
    () => api.POST("/api/v1/auth/reset-password", { body: { token, password } }),
    () => {
      session.signOut(); // a reset ends every login of the account
      setDone(true);
    },
  );
  return (
    <Page title="Choose a new password">
      {done ? (
        <Notice>
          Your password is changed. <a href="/login">Log in</a>
        </Notice>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            reset.submit();
          }}
        >
          <Problem problem={reset.problem} />
          <NewPassword label="New password" value={password} onInput={setPassword} error={reset.problem?.fields.password} />
          <button type="submit" class="primary" disabled={reset.busy || !token}>
            Save the password
          </button>
        </form>
      )}
    </Page>
  );
}
