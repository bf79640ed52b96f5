// Back from Google: the API sent the browser here with a one-time handoff code (never tokens in a
// URL), which this page swaps for the token pair; or with an error.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import { Loading, Page, Problem } from "../components";
import { useSubmit } from "../hooks";
import { SecondFactor, signedIn } from "./login";

const ERRORS: Record<string, string> = {
  state_mismatch: "This sign-in was started in another browser or tab. Please try again.",
  expired: "The sign-in took too long. Please try again.",
  access_denied: "Google sign-in was cancelled.",
};

export function GoogleReturnPage({ url }: { url: URL }) {
  const handoff = url.searchParams.get("handoff") ?? "";
  const error = url.searchParams.get("error");
  const [second, setSecond] = useState(false);
  const swap = useSubmit(
    (extra: { totp?: string; recovery_code?: string }) => api.POST("/api/v1/auth/google/handoff", { body: { handoff, ...extra } }),
    (pair) => signedIn(pair, "/"),
  );
  useEffect(() => {
    if (handoff && !error) swap.submit({});
  }, [handoff]);
  useEffect(() => {
    if (swap.problem?.code === "totp_required") setSecond(true);
  }, [swap.problem]);
  return (
    <Page title="Signing in with Google">
      {error && (
        <p class="alert" role="alert">
          {ERRORS[error] ?? "Google sign-in didn't work. Please try again."} <a href="/login">Back to log in</a>
        </p>
      )}
      {second ? (
        <SecondFactor busy={swap.busy} problem={swap.problem?.code === "totp_required" ? null : swap.problem} onSubmit={(extra) => swap.submit(extra)} />
      ) : (
        <>
          {swap.busy && <Loading />}
          {swap.problem?.fields.accept_terms ? (
            <p class="alert" role="alert">
              There's no Duka account for this Google account yet. <a href="/register">Sign up</a> and choose “Sign up with
              Google” there.
            </p>
          ) : (
            <Problem problem={swap.problem} />
          )}
        </>
      )}
    </Page>
  );
}
