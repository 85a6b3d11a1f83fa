package io.warden.tracestore;

import io.warden.core.audit.AuditLog;
import io.warden.core.descriptor.AgentDescriptor;
import io.warden.core.identity.IdentityService;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.inventory.AgentState;
import io.warden.core.inventory.Inventory;
import io.warden.core.inventory.SyncStatus;
import io.warden.core.store.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The real identity service on a temporary state store, with an inventory of three agents
 * (planner delegates to researcher) and the secrets a test needs: one credential per agent, an
 * ingest token (author) and a viewer token.
 */
public final class Identities implements AutoCloseable {
  public static final String PLANNER = "planner";
  public static final String RESEARCHER = "researcher";
  public static final String FINANCE = "reconciliation-finance";

  public final StateStore store;
  public final AuditLog audit;
  public final Inventory inventory;
  public final IdentityService identity;
  public final Principal admin;
  public final Map<String, String> agentSecrets;
  public final String ingestToken;
  public final String viewerToken;

  public Identities(Path dir) {
    store = StateStore.open(dir.resolve("state.db"));
    audit = AuditLog.open(dir.resolve("audit.log"));
    inventory = Inventory.create();
    List<AgentState> agents = new ArrayList<>();
    agents.add(agent(PLANNER, List.of(RESEARCHER)));
    agents.add(agent(RESEARCHER, List.of()));
    agents.add(agent(FINANCE, List.of()));
    inventory.replace("c0ffee", agents);
    identity = IdentityService.create(store, audit, inventory, dir.resolve("signing.key"), Clock.systemUTC());
    admin = identity.authenticate(identity.bootstrapAdmin().orElseThrow().secret());
    agentSecrets = Map.of(
        PLANNER, identity.issueCredential(admin, PLANNER).secret(),
        RESEARCHER, identity.issueCredential(admin, RESEARCHER).secret(),
        FINANCE, identity.issueCredential(admin, FINANCE).secret());
    ingestToken = identity.createUser(admin, "collector", Role.AUTHOR, Set.of()).secret();
    viewerToken = identity.createUser(admin, "vera", Role.VIEWER, Set.of()).secret();
  }

  static AgentState agent(String name, List<String> delegates) {
    AgentDescriptor d = new AgentDescriptor(AgentDescriptor.API_VERSION, AgentDescriptor.KIND,
        new AgentDescriptor.Metadata(name, "platform", Map.of()),
        new AgentDescriptor.Spec(new AgentDescriptor.Model("anthropic", "claude-opus-4-7", "2026-02-14"), null,
            List.of("mcp://gateway/ledger-read"), null, null, null, null, null, null, delegates));
    return new AgentState(d, "c0ffee", SyncStatus.SYNCED, "", Instant.EPOCH);
  }

  /** A trace store authenticating with these identities, receivers on free ports. */
  public TraceStoreBuilder storeBuilder(Path dataDir) {
    return TraceStore.builder(dataDir).setIdentityService(identity).setInventory(inventory)
        .setHttpPort(0).setGrpcPort(0);
  }

  public String secret(String agent) {
    return agentSecrets.get(agent);
  }

  @Override
  public void close() {
    identity.close();
    store.close();
    audit.close();
  }
}
