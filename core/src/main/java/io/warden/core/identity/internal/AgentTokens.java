package io.warden.core.identity.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.warden.core.identity.TokenScope;
import io.warden.core.trace.Delegation;
import java.math.BigDecimal;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Scoped agent tokens as HS256 JWTs. Claims: {@code iss} (warden), {@code sub} (the agent the token
 * is for), {@code cred} (id of the credential the chain started from), {@code sid} (session),
 * {@code tools}, {@code usd} (decimal string, absent for no cap), {@code exp}, {@code iat},
 * {@code jti}, {@code chain} (agent names, holder last). Only HS256 is accepted when verifying, so
 * an {@code alg: none} or public-key confusion token is refused before its signature is even
 * considered. Internal: not public API.
 */
public final class AgentTokens {
  public static final String ISSUER = "warden";

  private final MACSigner signer;
  private final MACVerifier verifier;

  public AgentTokens(byte[] key) {
    try {
      this.signer = new MACSigner(key);
      this.verifier = new MACVerifier(key);
    } catch (JOSEException e) {
      throw new IllegalArgumentException("token signing key is unusable: " + e.getMessage(), e);
    }
  }

  /** What a verified token says. */
  public record Claims(String jti, String agent, String credentialId, TokenScope scope) {}

  /** A token that failed verification; the message is safe to show and to audit. */
  public static final class InvalidTokenException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String claimedCredential;

    InvalidTokenException(String message, String claimedCredential) {
      super(message);
      this.claimedCredential = claimedCredential;
    }

    /** The {@code cred} claim if it had the shape of a credential id (unverified!), else null. */
    public String claimedCredential() {
      return claimedCredential;
    }
  }

  public String mint(String jti, String agent, String credentialId, TokenScope scope, Instant issuedAt) {
    JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
        .issuer(ISSUER)
        .subject(agent)
        .jwtID(jti)
        .issueTime(Date.from(issuedAt))
        .expirationTime(Date.from(scope.expiresAt()))
        .claim("cred", credentialId)
        .claim("sid", scope.session())
        .claim("tools", List.copyOf(new TreeSet<>(scope.tools())))
        .claim("chain", scope.delegationChain());
    if (!scope.delegationHops().isEmpty()) {
      claims.claim("dlg", Delegation.format(scope.delegationHops()));
    }
    if (scope.usdBudget() != null) {
      claims.claim("usd", scope.usdBudget().toPlainString());
    }
    SignedJWT jwt = new SignedJWT(
        new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build(), claims.build());
    try {
      jwt.sign(signer);
    } catch (JOSEException e) {
      throw new IllegalStateException("cannot sign agent token: " + e.getMessage(), e);
    }
    return jwt.serialize();
  }

  /** Checks shape, algorithm, signature, issuer and expiry against {@code now}. */
  public Claims verify(String token, Instant now) throws InvalidTokenException {
    SignedJWT jwt;
    try {
      jwt = SignedJWT.parse(token);
    } catch (ParseException e) {
      throw new InvalidTokenException("malformed token", null);
    }
    String claimedCredential = null;
    JWTClaimsSet claims;
    try {
      claims = jwt.getJWTClaimsSet();
      Object cred = claims.getClaim("cred");
      if (cred instanceof String c && Secrets.isId(c)) {
        claimedCredential = c;
      }
    } catch (ParseException e) {
      throw new InvalidTokenException("malformed token claims", null);
    }
    if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
      throw new InvalidTokenException("token algorithm " + jwt.getHeader().getAlgorithm() + " is not accepted", claimedCredential);
    }
    try {
      if (!jwt.verify(verifier)) {
        throw new InvalidTokenException("bad token signature", claimedCredential);
      }
    } catch (JOSEException e) {
      throw new InvalidTokenException("bad token signature", claimedCredential);
    }
    try {
      if (!ISSUER.equals(claims.getIssuer())) {
        throw new InvalidTokenException("token issuer is not warden", claimedCredential);
      }
      Date exp = claims.getExpirationTime();
      if (exp == null) {
        throw new InvalidTokenException("token has no expiry", claimedCredential);
      }
      if (!now.isBefore(exp.toInstant())) {
        throw new InvalidTokenException("token expired at " + exp.toInstant(), claimedCredential);
      }
      String agent = required(claims.getSubject(), "sub", claimedCredential);
      String credentialId = required(claims.getStringClaim("cred"), "cred", claimedCredential);
      String session = required(claims.getStringClaim("sid"), "sid", claimedCredential);
      List<String> tools = Objects.requireNonNullElse(claims.getStringListClaim("tools"), List.of());
      List<String> chain = Objects.requireNonNullElse(claims.getStringListClaim("chain"), List.of());
      if (chain.isEmpty() || !chain.getLast().equals(agent)) {
        throw new InvalidTokenException("token delegation chain does not end with its subject", claimedCredential);
      }
      String usd = claims.getStringClaim("usd");
      TokenScope scope = new TokenScope(session, new TreeSet<>(tools), usd == null ? null : new BigDecimal(usd),
          exp.toInstant(), chain, Delegation.parse(claims.getStringClaim("dlg")));
      return new Claims(claims.getJWTID(), agent, credentialId, scope);
    } catch (ParseException | NumberFormatException e) {
      throw new InvalidTokenException("malformed token claims", claimedCredential);
    }
  }

  private static String required(String value, String claim, String claimedCredential) throws InvalidTokenException {
    if (value == null || value.isBlank()) {
      throw new InvalidTokenException("token has no '" + claim + "' claim", claimedCredential);
    }
    return value;
  }
}
