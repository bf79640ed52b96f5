// Loading and submitting, one way for every page.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import type { Problem } from "./api/types";
import { type Shown, shown } from "./errors";
import { session } from "./session";

type Result<T> = { data?: T; error?: unknown; response: Response };

export interface Loaded<T> {
  data: T | undefined;
  problem: Shown | null;
  loading: boolean;
  reload: () => void;
}

/** Load what `fetcher` asks the API for, again whenever `deps` change. */
export function useLoad<T>(fetcher: () => Promise<Result<T>>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; problem: Shown | null; loading: boolean }>({
    problem: null,
    loading: true,
  });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((previous) => ({ ...previous, loading: true }));
    fetcher().then(({ data, error }) => {
      if (!live) return;
      if (error !== undefined) setState({ problem: shown(error as Problem), loading: false });
      else setState({ data, problem: null, loading: false });
    });
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { data: state.data, problem: state.problem, loading: state.loading, reload };
}

export interface Submitting<A extends unknown[]> {
  problem: Shown | null;
  busy: boolean;
  submit: (...args: A) => Promise<boolean>;
}

/** A form's submission: `send` calls the API; on success `done` runs with the data. */
export function useSubmit<A extends unknown[], T>(
  send: (...args: A) => Promise<Result<T>>,
  done: (data: T) => void,
): Submitting<A> {
  const [problem, setProblem] = useState<Shown | null>(null);
  const [busy, setBusy] = useState(false);
  const latest = useRef({ send, done });
  latest.current = { send, done };
  const submit = useCallback(async (...args: A) => {
    setBusy(true);
    setProblem(null);
    try {
      const { data, error } = await latest.current.send(...args);
      if (error !== undefined) {
        setProblem(shown(error as Problem));
        return false;
      }
      latest.current.done(data as T);
      return true;
    } finally {
      setBusy(false);
    }
  }, []);
  return { problem, busy, submit };
}

/** The signed-in shopper (null for a guest), re-rendering on sign-in and sign-out. */
export function useUser() {
  const [user, setUser] = useState(session.user);
  useEffect(() => session.subscribe(() => setUser(session.user)), []);
  return user;
}

const CHANGED = "duka:changed";

/** Tell the header that the cart or the inbox changed (it reloads its counts). */
export function changed(): void {
  window.dispatchEvent(new Event(CHANGED));
}

export function useChanges(): number {
  const [count, setCount] = useState(0);
  useEffect(() => {
    const bump = () => setCount((n) => n + 1);
    window.addEventListener(CHANGED, bump);
    return () => window.removeEventListener(CHANGED, bump);
  }, []);
  return count;
}
