/**
 * Benchmark of the audit log: durable appends per second from 1 and 32 threads.
 *
 * <p>Contents: {@link io.warden.bench.audit.AuditAppendBench}.
 */
@NullMarked
package io.warden.bench.audit;

import org.jspecify.annotations.NullMarked;
