import { Page } from "../components";

export function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        We couldn't find that page. <a href="/">Back to the shop</a>
      </p>
    </Page>
  );
}
