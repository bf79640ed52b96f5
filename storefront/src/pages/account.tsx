// The profile: location, phone, date of birth, picture, invite code, marketing consent; export my
// data; delete my account; log out.
import { useEffect, useState } from "preact/hooks";
import { api } from "../api/client";
import type { S } from "../api/types";
import { Checkbox, Field, Notice, Page, Problem, Pending } from "../components";
import { useLoad, useSubmit } from "../hooks";
import { navigate } from "../router";
import { session } from "../session";

function Profile({ user, onSaved }: { user: S["ProfileOut"]; onSaved: (user: S["ProfileOut"]) => void }) {
  const [form, setForm] = useState({
    name: user.name,
    phone: user.phone ?? "",
    location: user.location ?? "",
    date_of_birth: user.date_of_birth ?? "",
    marketing_opt_in: user.marketing_opt_in,
  });
  const [saved, setSaved] = useState(false);
  const set = (name: keyof typeof form) => (value: string | boolean) => setForm({ ...form, [name]: value });
  const save = useSubmit(
    () =>
      api.PATCH("/api/v1/me", {
        body: {
          name: form.name,
          phone: form.phone.trim() || null,
          location: form.location.trim() || null,
          date_of_birth: form.date_of_birth || null,
          marketing_opt_in: form.marketing_opt_in,
        },
      }),
    (profile) => {
      setSaved(true);
      onSaved(profile);
    },
  );
  const fields = save.problem?.fields ?? {};
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        setSaved(false);
        save.submit();
      }}
    >
      <Problem problem={save.problem} />
      <Field label="Full name" name="name" autoComplete="name" value={form.name} onInput={set("name")} required error={fields.name} />
      <Field label="Mobile phone" name="phone" type="tel" autoComplete="tel" hint="For example 0712 345 678" value={form.phone} onInput={set("phone")} error={fields.phone} />
      <Field label="Location" name="location" autoComplete="address-level2" value={form.location} onInput={set("location")} error={fields.location} />
      <Field label="Date of birth" name="date_of_birth" type="date" autoComplete="bday" value={form.date_of_birth} onInput={set("date_of_birth")} error={fields.date_of_birth} />
      <Checkbox label="Send me offers and news by email" name="marketing_opt_in" checked={form.marketing_opt_in} onChange={set("marketing_opt_in")} />
      <button type="submit" class="primary" disabled={save.busy}>
        Save
      </button>
      {saved && <Notice>Saved.</Notice>}
    </form>
  );
}

function Picture({ user, onSaved }: { user: S["ProfileOut"]; onSaved: (user: S["ProfileOut"]) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const upload = useSubmit(
    () =>
      api.PUT("/api/v1/me/picture", {
        body: { file: "" },
        bodySerializer: () => {
          const form = new FormData();
          form.append("file", file!);
          return form;
        },
      }),
    (profile) => onSaved(profile),
  );
  return (
    <form
      class="picture"
      onSubmit={(event) => {
        event.preventDefault();
        if (file) upload.submit();
      }}
    >
      {user.picture_url ? <img src={user.picture_url} alt="Your picture" width={96} height={96} /> : <span class="no-image small" aria-hidden="true" />}
      <Problem problem={upload.problem} />
      <label for="picture-file">Profile picture (JPEG, PNG or WebP, up to 5 MB)</label>
      <input id="picture-file" type="file" accept="image/jpeg,image/png,image/webp" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
      <button type="submit" disabled={!file || upload.busy}>
        Upload
      </button>
    </form>
  );
}

function Export() {
  const download = useSubmit(
    () => api.GET("/api/v1/me/export"),
    (data) => {
      const link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      link.download = "duka-my-data.json";
      link.click();
      URL.revokeObjectURL(link.href);
    },
  );
  return (
    <>
      <Problem problem={download.problem} />
      <button type="button" onClick={() => download.submit()} disabled={download.busy}>
        Download my data
      </button>
    </>
  );
}

function DeleteAccount() {
  const [password, setPassword] = useState("");
  const [open, setOpen] = useState(false);
  const remove = useSubmit(
    () => api.DELETE("/api/v1/me", { body: { password } }),
    () => {
      session.signOut();
      navigate("/?goodbye=1");
    },
  );
  if (!open) {
    return (
      <button type="button" class="danger" onClick={() => setOpen(true)}>
        Delete my account
      </button>
    );
  }
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        remove.submit();
      }}
    >
      <p>Your personal data will be erased and you will be signed out everywhere. Your orders stay on record.</p>
      <Problem problem={remove.problem} />
      <Field label="Your password, to confirm" name="delete-password" type="password" autoComplete="current-password" value={password} onInput={setPassword} required error={remove.problem?.fields.password} />
      <button type="submit" class="danger" disabled={remove.busy}>
        Delete my account for good
      </button>
      <button type="button" class="link" onClick={() => setOpen(false)}>
        Keep my account
      </button>
    </form>
  );
}

export function AccountPage({ url }: { url: URL }) {
  const loaded = useLoad(() => api.GET("/api/v1/me"), []);
  const [user, setUser] = useState<S["ProfileOut"] | undefined>(undefined);
  useEffect(() => {
    if (loaded.data) {
      setUser(loaded.data);
      session.setUser(loaded.data);
    }
  }, [loaded.data]);
  const resend = useSubmit(
    () => api.POST("/api/v1/auth/resend-verification", { body: { email: user!.email } }),
    () => undefined,
  );
  const saved = (profile: S["ProfileOut"]) => {
    setUser(profile);
    session.setUser(profile);
  };
  if (!user) {
    return <Pending title="Your account" loaded={loaded} />;
  }
  return (
    <Page title="Your account">
      {url.searchParams.get("welcome") && <Notice>{`Welcome to Duka, ${user.name}!`}</Notice>}
      {!user.email_verified && (
        <div class="notice" role="status">
          <p>{`Check ${user.email} for a link to verify your address.`}</p>
          <button type="button" class="link" onClick={() => resend.submit()} disabled={resend.busy}>
            Send the link again
          </button>
        </div>
      )}
      <nav aria-label="Your account" class="subnav">
        <a href="/orders">Orders</a>
        <a href="/account/addresses">Addresses</a>
        <a href="/wallet">Wallet</a>
        <a href="/notifications">Notifications</a>
      </nav>
      <h2>Profile</h2>
      <p>{`Signed in as ${user.email}`}</p>
      <Picture user={user} onSaved={saved} />
      <Profile user={user} onSaved={saved} />
      <h2>Invite friends</h2>
      <p>
        Your invite code: <strong class="code">{user.invite_code}</strong>
      </p>
      <h2>Your data</h2>
      <Export />
      <DeleteAccount />
      <h2>Sign out</h2>
      <button
        type="button"
        onClick={async () => {
          await api.POST("/api/v1/auth/logout");
          session.signOut();
          navigate("/");
        }}
      >
        Log out
      </button>
    </Page>
  );
}
