package io.warden.core.identity.internal;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A user as stored in the {@code users} table (key: name). The token secret is not here, only its
 * SHA-256. Internal: not public API.
 */
public record StoredUser(
    @JsonProperty("name") String name,
    @JsonProperty("role") String role,
    @JsonProperty("teams") List<String> teams,
    @JsonProperty("tokenId") String tokenId,
    @JsonProperty("tokenHash") String tokenHash,
    @JsonProperty("createdAt") String createdAt,
    @JsonProperty("createdBy") String createdBy) {

  static final ObjectMapper MAPPER = new ObjectMapper();

  public StoredUser {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(role, "role");
    teams = teams == null ? List.of() : List.copyOf(new TreeSet<>(teams));
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(tokenHash, "tokenHash");
  }

  public UserPrincipal principal() {
    return new UserPrincipal(name, Role.parse(role), new TreeSet<>(teams));
  }

  public String toJson() {
    try {
      return MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write user " + name, e);
    }
  }

  public static StoredUser fromJson(String json) {
    try {
      return MAPPER.readValue(json, StoredUser.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt user record in the state store: " + e.getOriginalMessage(), e);
    }
  }
}
