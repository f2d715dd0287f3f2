import { requestId as honoRequestId } from "hono/request-id";

/** A request id on every response (`X-Request-Id`), taken from the caller when it sent a sane one. */
export const requestId = () => honoRequestId({ generator: () => `req_${crypto.randomUUID().replace(/-/g, "")}`, limitLength: 128 });
