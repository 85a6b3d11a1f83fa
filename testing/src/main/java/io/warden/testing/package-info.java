/**
 * Test-scope kit shared by every module's tests, so each helper exists once: {@link
 * io.warden.testing.MutableClock} (time moved by hand), {@link io.warden.testing.ChildJvm} (a child
 * JVM killed with SIGKILL mid-write), {@link io.warden.testing.LogCapture}, {@link
 * io.warden.testing.RecordingAuditLog}, {@link io.warden.testing.GitCli} (the real {@code git},
 * isolated from the machine's configuration), and {@link io.warden.testing.WardenAssertions}
 * (AssertJ plus assertions for Warden's values such as {@link io.warden.core.Problem}), and
 * {@link io.warden.testing.TestPorts} (ports no outgoing connection can take).
 */
@NullMarked
package io.warden.testing;

import org.jspecify.annotations.NullMarked;
