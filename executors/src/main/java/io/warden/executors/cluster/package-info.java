/**
 * Warden on more than one node: Vert.x clustering on Hazelcast. {@link io.warden.executors.cluster.WardenCluster}
 * joins the members listed in {@code cluster.members} (TCP-IP, no multicast) and gives the appliance
 * a clustered Vert.x, the {@link io.warden.executors.session.SessionOwnership} that claims each
 * session for one member and forwards calls for it there over the event bus, and the session store
 * shared through Hazelcast maps (synchronous backup on another member). Only referenced when
 * {@code cluster.enabled} is true, so a single node never loads Hazelcast. See
 * {@code executors/README.md}, "More than one node".
 */
@NullMarked
package io.warden.executors.cluster;

import org.jspecify.annotations.NullMarked;
