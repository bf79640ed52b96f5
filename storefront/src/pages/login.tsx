// Log in: password (then the two-factor step when the account has it), an emailed code, or
// Google, as the shop offers them (GET /auth/methods).
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { S } from "../api/types";
import { Field, Notice, Page, Problem } from "../components";
import { changed, useLoad, useSubmit } from "../hooks";
import { navigate } from "../router";
import { session } from "../session";

/** Where to go after signing in: a path on this site only (never another site's URL). */
export function nextPath(url: URL): string {
  const next = url.searchParams.get("next") ?? "";
  return next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

export function signedIn(pair: S["TokenPairOut"], to: string): void {
  session.signIn(pair);
  changed();
  navigate(to, { replace: true });
}

/** The second step, when the account has two-factor login: a code or a recovery code. */
export function SecondFactor(props: {
  busy: boolean;
  problem: ReturnType<typeof useSubmit>["problem"];
  onSubmit: (second: { totp?: string; recovery_code?: string }) => void;
}) {
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState(false);
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        props.onSubmit(recovery ? { recovery_code: code.trim() } : { totp: code.trim() });
      }}
    >
      <Problem problem={props.problem} />
      {recovery ? (
        <Field label="Recovery code" name="recovery_code" value={code} onInput={setCode} autoComplete="off" autoFocus error={props.problem?.fields.recovery_code} />
      ) : (
        <Field
          label="Code from your authenticator app"
          name="totp"
          value={code}
          onInput={setCode}
          inputMode="numeric"
          autoComplete="one-time-code"
          pattern="[0-9]{6}"
          maxLength={6}
          autoFocus
          error={props.problem?.fields.totp}
        />
      )}
      <button type="submit" class="primary" disabled={props.busy}>
        Verify
      </button>
      <button type="button" class="link" onClick={() => setRecovery(!recovery)}>
        {recovery ? "Use a code from the app" : "Use a recovery code instead"}
      </button>
    </form>
  );
}

function EmailCode({ url }: { url: URL }) {
  const [email, setEmail] = useState("");
  const [code, setCode] = useState("");
  const [sent, setSent] = useState(false);
  const [second, setSecond] = useState(false);
  const asking = useSubmit(
    () => api.POST("/api/v1/auth/email-code", { body: { email, purpose: "login" } }),
    () => setSent(true),
  );
  const verifying = useSubmit(
    (extra: { totp?: string; recovery_code?: string }) =>
      api.POST("/api/v1/auth/email-code/verify", { body: { email, code: code.trim(), ...extra } }),
    (pair) => signedIn(pair, nextPath(url)),
  );
  useEffect(() => {
    if (verifying.problem?.code === "totp_required") setSecond(true);
  }, [verifying.problem]);
  if (second) return <SecondFactor busy={verifying.busy} problem={verifying.problem} onSubmit={(extra) => verifying.submit(extra)} />;
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        if (sent) verifying.submit({});
        else asking.submit();
      }}
    >
      <Problem problem={asking.problem ?? verifying.problem} />
      <Field label="Email" name="code-email" type="email" autoComplete="email" value={email} onInput={setEmail} required error={asking.problem?.fields.email} />
      {sent && (
        <>
          <Notice>If the address has an account, a code is on its way. It works for 10 minutes.</Notice>
          <Field label="Code from the email" name="email-code" value={code} onInput={setCode} inputMode="numeric" autoComplete="one-time-code" required error={verifying.problem?.fields.code} />
        </>
      )}
      <button type="submit" disabled={asking.busy || verifying.busy}>
        {sent ? "Log in with the code" : "Email me a code"}
      </button>
    </form>
  );
}

export function LoginPage({ url }: { url: URL }) {
  const methods = useLoad(() => api.GET("/api/v1/auth/methods"), []);
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [second, setSecond] = useState(false);
  const [withCode, setWithCode] = useState(false);
  const login = useSubmit(
    (extra: { totp?: string; recovery_code?: string }) => api.POST("/api/v1/auth/login", { body: { email, password, ...extra } }),
    (pair) => signedIn(pair, nextPath(url)),
  );
  useEffect(() => {
    if (login.problem?.code === "totp_required") setSecond(true);
  }, [login.problem]);
  const offered = methods.data;

  return (
    <Page title={second ? "Two-step verification" : "Log in"}>
      {second ? (
        <SecondFactor busy={login.busy} problem={login.problem?.code === "totp_required" ? null : login.problem} onSubmit={(extra) => login.submit(extra)} />
      ) : withCode ? (
        <>
          <EmailCode url={url} />
          <button type="button" class="link" onClick={() => setWithCode(false)}>
            Log in with a password instead
          </button>
        </>
      ) : (
        <>
          <form
            onSubmit={(event) => {
              event.preventDefault();
              login.submit({});
            }}
          >
            <Problem problem={login.problem} />
            <Field label="Email" name="email" type="email" autoComplete="username" value={email} onInput={setEmail} required error={login.problem?.fields.email} />
            <Field
              label="Password"
              name="password"
              type="password"
              autoComplete="current-password"
              value={password}
              onInput={setPassword}
              required
              error={login.problem?.fields.password}
            />
            <button type="submit" class="primary" disabled={login.busy}>
              Log in
            </button>
          </form>
          <p>
            <a href="/forgot-password">Forgot your password?</a>
          </p>
          {offered?.email_code && (
            <button type="button" onClick={() => setWithCode(true)}>
              Email me a sign-in code
            </button>
          )}
          {offered?.google && (
            <p>
              <a class="button" href="/api/v1/auth/google/start" data-external>
                Continue with Google
              </a>
            </p>
          )}
          <p>
            New to Duka? <a href={`/register${url.search}`}>Create an account</a>
          </p>
        </>
      )}
    </Page>
  );
}
