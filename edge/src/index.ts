/** The Worker: the Hono app answers fetches; the tenant budget Durable Object class is exported for its binding. */
export { TenantBudget } from "./budget/TenantBudget.js";
import { app } from "./app.js";

export default app;
