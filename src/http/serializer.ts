import { isDeepStrictEqual } from 'node:util';
import { serializerCompiler } from 'fastify-type-provider-zod';

/** Response schemas whose handlers build exactly the declared shape (see exactResponse). */
const exact = new WeakSet<object>();

/**
 * Marks a response schema as one its handler fills exactly: only the declared keys, with values
 * zod would pass unchanged. In production such an answer is sent with plain JSON.stringify,
 * without zod's encode pass over every item (docs/performance.md: a hot path's share of it). Under
 * test and in development every answer is still encoded by zod, and for a marked schema the
 * encoded answer must equal the handler's, so a key the schema would strip, or a value it would
 * change, fails the route's tests instead of leaking in production.
 */
export function exactResponse<T extends object>(schema: T): T {
  exact.add(schema);
  return schema;
}

type CompilerArgs = Parameters<typeof serializerCompiler>[0];

/** The app's response serializer: zod's, except for exact schemas in production (validate false). */
export function responseSerializerCompiler(validate: boolean) {
  return (args: CompilerArgs) => {
    const viaZod = serializerCompiler(args);
    if (!exact.has(args.schema as object)) return viaZod;
    if (!validate) return (data: unknown) => JSON.stringify(data);
    return (data: unknown) => {
      const out = viaZod(data);
      if (!isDeepStrictEqual(JSON.parse(out), JSON.parse(JSON.stringify(data)))) {
        throw new Error(`${args.method} ${args.url}: the answer is not exactly its exactResponse schema (zod would strip or change part of it)`);
      }
      return out;
    };
  };
}
