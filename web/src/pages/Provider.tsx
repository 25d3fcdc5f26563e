import { bookingGetProvider, bookingOfferings } from "@kairos/client";
import { useQuery } from "@tanstack/react-query";

import { call } from "../api";
import { money } from "../format";
import { Link } from "../router";
import { Empty, Loading, PageTitle, Problem } from "../ui";

export function Provider({ id }: { id: string }) {
  const provider = useQuery({
    queryKey: ["provider", id],
    queryFn: () => call(bookingGetProvider({ path: { provider_id: id } })),
  });
  const offerings = useQuery({
    queryKey: ["offerings", id],
    queryFn: () => call(bookingOfferings({ query: { provider_id: id, limit: 200 } })),
  });
  if (provider.isPending) return <Loading what="the mentor" />;
  if (provider.isError) return <Problem error={provider.error} />;
  const items = offerings.data?.items ?? [];
  return (
    <>
      <PageTitle>{provider.data.display_name}</PageTitle>
      <p className="muted">Works in {provider.data.time_zone}</p>
      <h2>Sessions</h2>
      {offerings.isPending ? <Loading what="sessions" /> : null}
      <Problem error={offerings.error} />
      {offerings.isSuccess && items.length === 0 ? <Empty>No sessions offered yet.</Empty> : null}
      <ul className="cards">
        {items.map((o) => (
          <li key={o.offering_id} className="card">
            <h3>{o.title}</h3>
            <p>
              {o.duration_min} min · {money(o.price_minor, o.currency)}
              {o.capacity > 1 ? ` · up to ${o.capacity} people` : ""}
            </p>
            {o.kind === "one_time" ? (
              <Link href={`/offerings/${o.offering_id}`} aria-label={`Choose a time for ${o.title}`}>
                Choose a time
              </Link>
            ) : (
              <Link href={`/programmes/${o.offering_id}`} aria-label={`See the programme ${o.title}`}>
                A weekly programme: see it and subscribe
              </Link>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
