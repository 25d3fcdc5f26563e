// Catalog reads more than one page needs: an offering with its provider, and the signed-in
// mentor's own provider.
import { bookingGetOffering, bookingGetProvider, bookingProviders } from "@kairos/client";
import { useQuery } from "@tanstack/react-query";

import { call } from "./api";

/** The offering and, once it is known, its provider (two queries, cached by id). */
export function useOfferingWithProvider(id: string) {
  const offering = useQuery({
    queryKey: ["offering", id],
    queryFn: () => call(bookingGetOffering({ path: { offering_id: id } })),
  });
  const providerId = offering.data?.provider_id;
  const provider = useQuery({
    queryKey: ["provider", providerId],
    queryFn: () => call(bookingGetProvider({ path: { provider_id: providerId! } })),
    enabled: !!providerId,
  });
  return { offering, provider };
}

/** The provider the user runs, or null: the API has no read by user, so the catalog is
 * paged until it is found. */
export async function myProvider(userId: string) {
  let cursor: string | undefined;
  for (;;) {
    const page = await call(bookingProviders({ query: { limit: 200, cursor } }));
    const mine = page.items.find((p) => p.user_id === userId);
    if (mine) return mine;
    if (!page.has_more || !page.next_cursor) return null;
    cursor = page.next_cursor;
  }
}
