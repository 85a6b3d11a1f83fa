package io.warden.core.identity.internal;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.time.Instant;
import java.util.Objects;

/**
 * An agent credential as stored in the {@code credentials} table (key: id). Only the SHA-256 of the
 * secret is kept. Internal: not public API.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StoredCredential(
    @JsonProperty("id") String id,
    @JsonProperty("agent") String agent,
    @JsonProperty("hash") String hash,
    @JsonProperty("createdAt") String createdAt,
    @JsonProperty("createdBy") String createdBy,
    @JsonProperty("revokedAt") String revokedAt,
    @JsonProperty("revokedBy") String revokedBy) {

  public StoredCredential {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(agent, "agent");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public boolean revoked() {
    return revokedAt != null;
  }

  public Instant createdInstant() {
    return Instant.parse(createdAt);
  }

  public Instant revokedInstant() {
    return revokedAt == null ? null : Instant.parse(revokedAt);
  }

  public StoredCredential revoke(Instant at, String by) {
    return new StoredCredential(id, agent, hash, createdAt, createdBy, at.toString(), by);
  }

  public String toJson() {
    try {
      return StoredUser.MAPPER.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write credential " + id, e);
    }
  }

  public static StoredCredential fromJson(String json) {
    try {
      return StoredUser.MAPPER.readValue(json, StoredCredential.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("corrupt credential record in the state store: " + e.getOriginalMessage(), e);
    }
  }
}
