// A dashboard path that names no page.
import { PageHeader } from "../components/Shell.tsx";
import { Empty } from "../components/states.tsx";

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <Empty title="There is no page at this address.">
        <a href="/dashboard/customers">Go to Customers</a>
      </Empty>
    </>
  );
}
