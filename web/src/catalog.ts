// Catalog reads more than one page needs: an offering with its provider, and the signed-in
// mentor's own provider.
import { bookingGetOffering, bookingGetProvider, bookingMyProvider } from "@kairos/client";
import { useQuery } from "@tanstack/react-query";

import { ApiProblem, call } from "./api";

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

/** The provider the signed-in mentor runs (`GET /me/provider`), or null while they have
 * none (its 404); any other refusal is thrown as the API's problem. */
export async function myProvider() {
  try {
    return await call(bookingMyProvider());
  } catch (err) {
    if (err instanceof ApiProblem && err.status === 404) return null;
    throw err;
  }
}
