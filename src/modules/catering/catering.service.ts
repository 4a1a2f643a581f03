import { defineModule } from "../../broker/module.ts";
import { createRequest } from "./actions/create-request.action.ts";
import { cancelRequest, confirmRequest, declineRequest, fulfilRequest } from "./actions/decide-request.action.ts";
import { getRequest, listRequests } from "./actions/read-requests.action.ts";
import { Catering } from "./contract.ts";
import { RequestEntity } from "./entities/request.entity.ts";
import { migrations } from "./migrations/index.ts";
import { settleOwedStock } from "./workers/settle-stock.worker.ts";

export const cateringModule = defineModule({
  contract: Catering,
  entities: [RequestEntity],
  migrations,
  handlers: () => ({ createRequest, listRequests, getRequest, confirmRequest, declineRequest, cancelRequest, fulfilRequest }),
  // "Within seconds" when inventory was briefly unreachable.
  background: (runtime) => [{ name: "settle-stock", fallbackMs: 2_000, run: () => settleOwedStock(runtime) }],
});
