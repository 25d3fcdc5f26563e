import { bookingProviders } from "@kairos/client";
import { useInfiniteQuery } from "@tanstack/react-query";

import { call } from "../api";
import { Link } from "../router";
import { Empty, Loading, PageTitle, Problem } from "../ui";

export function Providers() {
  const list = useInfiniteQuery({
    queryKey: ["providers"],
    queryFn: ({ pageParam }) =>
      call(bookingProviders({ query: { limit: 50, cursor: pageParam ?? undefined } })),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => (page.has_more ? page.next_cursor : undefined),
  });
  const providers = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <>
      <PageTitle>Find a mentor</PageTitle>
      {list.isPending ? <Loading what="mentors" /> : null}
      <Problem error={list.error} />
      {list.isSuccess && providers.length === 0 ? (
        <Empty>No mentor offers sessions yet.</Empty>
      ) : null}
      <ul className="cards">
        {providers.map((p) => (
          <li key={p.provider_id} className="card">
            <Link href={`/providers/${p.provider_id}`}>{p.display_name}</Link>
            <span className="muted">Works in {p.time_zone}</span>
          </li>
        ))}
      </ul>
      {list.hasNextPage ? (
        <button
          type="button"
          onClick={() => list.fetchNextPage()}
          disabled={list.isFetchingNextPage}
        >
          {list.isFetchingNextPage ? "Loading…" : "More mentors"}
        </button>
      ) : null}
    </>
  );
}
