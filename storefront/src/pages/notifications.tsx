// The inbox: notifications with the unread ones marked, read one or all.
import { api } from "../api/client";
import { Loading, Page, Pager, Problem, when } from "../components";
import { changed, useLoad, useSubmit } from "../hooks";

export function NotificationsPage({ url }: { url: URL }) {
  const page = Math.max(1, Number.parseInt(url.searchParams.get("page") ?? "1", 10) || 1);
  const loaded = useLoad(() => api.GET("/api/v1/notifications", { params: { query: { page } } }), [page]);
  const mark = useSubmit(
    (call: () => Promise<{ data?: unknown; error?: unknown; response: Response }>) => call(),
    () => {
      loaded.reload();
      changed();
    },
  );
  const data = loaded.data;
  return (
    <Page title="Notifications">
      <Problem problem={loaded.problem ?? mark.problem} />
      {!data && loaded.loading && <Loading />}
      {data && <p>{`${data.meta.unread_count} unread`}</p>}
      {data && data.meta.unread_count > 0 && (
        <button type="button" onClick={() => mark.submit(() => api.POST("/api/v1/notifications/read-all"))}>
          Mark all as read
        </button>
      )}
      {data && data.items.length === 0 && <p>Nothing here yet.</p>}
      <ul class="plain notifications">
        {data?.items.map((item) => (
          <li key={item.id} class={item.read_at ? "read" : "unread"}>
            <h2>
              {!item.read_at && <span class="visually-hidden">Unread: </span>}
              {item.title}
            </h2>
            <p>{item.body}</p>
            <p class="meta">{when(item.created_at)}</p>
            {item.subject_type === "order" && item.subject_id && <a href={`/orders/${item.subject_id}`}>See the order</a>}
            {!item.read_at && (
              <button
                type="button"
                class="link"
                onClick={() => mark.submit(() => api.POST("/api/v1/notifications/{notification_id}/read", { params: { path: { notification_id: item.id } } }))}
              >
                {`Mark “${item.title}” as read`}
              </button>
            )}
          </li>
        ))}
      </ul>
      {data && <Pager page={data.meta.page} pages={data.meta.pages} path="/notifications" search={url.searchParams} />}
    </Page>
  );
}
