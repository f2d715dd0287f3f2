import { secureHeaders } from "hono/secure-headers";
import { timing } from "hono/timing";
import { MAX_EDIT_IMAGE_BYTES } from "@understudy/shared";
import { JSON_BODY_LIMIT, MULTIPART_OVERHEAD } from "./config.js";
import { requestId } from "./middleware/requestId.js";
import { onError, notFound } from "./middleware/errors.js";
import { limitBody } from "./middleware/bodyLimit.js";
import { auth } from "./middleware/auth.js";
import { rateLimit } from "./middleware/rateLimit.js";
import { idempotency } from "./middleware/idempotency.js";
import { adminAuth } from "./middleware/adminAuth.js";
import { router } from "./routes/openapi.js";
import { health } from "./routes/health.js";
import { images } from "./routes/images.js";
import { usage } from "./routes/usage.js";
import { models } from "./routes/models.js";
import { admin } from "./routes/admin.js";
import { docs, OPENAPI_CONFIG } from "./routes/docs.js";
import { bots } from "./routes/bots.js";
import { playground } from "./routes/playground.js";

/**
 * The whole request pipeline, in order. Every response gets a request id, Server-Timing and secure headers;
 * bodies are bounded before anyone reads them; /v1 needs an API key and passes the tenant's rate limit;
 * image POSTs honour Idempotency-Key. Errors, wherever thrown, leave in OpenAI's shape.
 */
export const app = router();

app.use(requestId());
app.use(timing({ crossOrigin: false }));
app.use(
  secureHeaders({
    contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ["'self'", "data:"], frameAncestors: ["'none'"] },
    crossOriginResourcePolicy: "same-origin",
    // A route with its own policy keeps it: only the playground (routes/playground.ts) sets one.
    overwrite: false,
  }),
);
app.onError(onError);
app.notFound(notFound);

app.use("/v1/images/generations", limitBody(JSON_BODY_LIMIT));
app.use("/v1/images/edits", limitBody(MAX_EDIT_IMAGE_BYTES + MULTIPART_OVERHEAD));
app.use("/admin/*", limitBody(JSON_BODY_LIMIT), adminAuth);
app.use("/v1/*", auth, rateLimit);
app.use("/v1/images/*", idempotency);

app.route("/", health);
app.route("/", images);
app.route("/", usage);
app.route("/", models);
app.route("/", admin);
// Bots authenticate by platform signature (no API key); their workspace links live under /admin.
app.route("/", bots);
// The web playground at / is public; it calls /v1 from the browser with the key pasted into it.
app.route("/", playground);
app.openAPIRegistry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer", description: "An API key: `npm run keys -- create …`." });
app.doc31("/openapi.json", OPENAPI_CONFIG);
app.route("/", docs(() => app.getOpenAPI31Document(OPENAPI_CONFIG) as never));
