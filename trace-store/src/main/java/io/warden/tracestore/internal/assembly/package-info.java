/**
 * Internal, not public API: logical traces. The
 * {@link io.warden.tracestore.internal.assembly.LogicalTraceAssembler} joins the traces of one
 * intent into a tree at query time; {@link io.warden.tracestore.internal.assembly.LogicalTraceHints}
 * lets ingest assign the logical trace id of a sub-agent's trace it has seen linked before.
 */
@NullMarked
package io.warden.tracestore.internal.assembly;

import org.jspecify.annotations.NullMarked;
