/**
 * Resolves on a zero-delay timer: after the handler that is running has returned and its answer gone out.
 *
 * Background work that nobody waits for (the budget settlement, the R2 cache write) starts here rather than in
 * the handler. The runtime sends a handler's answer before a timer fires, so that work comes after the answer
 * instead of in front of it; under `wrangler dev` it matters most, because the simulated Durable Object and
 * bucket share the worker's thread, but on the edge too it keeps the answer's bytes first in line.
 */
export const afterThisAnswer = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
