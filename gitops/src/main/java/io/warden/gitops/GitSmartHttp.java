package io.warden.gitops;

import io.warden.core.WardenException;
import io.warden.core.audit.AuditLog;
import io.warden.core.identity.AgentPrincipal;
import io.warden.core.identity.Principal;
import io.warden.core.identity.Role;
import io.warden.core.identity.UserPrincipal;
import io.warden.gitops.internal.BoundedBody;
import io.warden.gitops.internal.Messages;
import java.io.IOException;
import java.io.InputStream;
import java.io.FilterOutputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.transport.PacketLineOut;
import org.eclipse.jgit.transport.PostReceiveHook;
import org.eclipse.jgit.transport.PreReceiveHook;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.RefAdvertiser.PacketLineOutRefAdvertiser;
import org.eclipse.jgit.transport.RefFilter;
import org.eclipse.jgit.transport.UnpackErrorHandler;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.errors.PackProtocolException;
import org.eclipse.jgit.errors.TooLargeObjectInPackException;
import org.eclipse.jgit.errors.TooLargePackException;
import org.eclipse.jgit.errors.UnpackException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Git's smart-HTTP protocol (stateless RPC, protocol v0) over plain streams, driving JGit's
 * {@link UploadPack} and {@link ReceivePack} without a servlet container, so any HTTP server can
 * mount it at {@code /git/warden.git}:
 *
 * <ul>
 *   <li>{@code GET /info/refs?service=<service>}: {@link #advertise}, content type
 *       {@link #advertisementContentType(String)};
 *   <li>{@code POST /<service>}: {@link #rpc}, content type {@link #resultContentType(String)}; the
 *       body is read as a stream, gunzipped while read when sent with {@code Content-Encoding: gzip},
 *       and refused past {@value #MAX_PUSH_SETTING} bytes (never buffered whole).
 * </ul>
 *
 * <p>Fetching needs a user with role viewer or higher; pushing needs author or higher; agents are
 * refused. Only {@code refs/heads/*} and {@code refs/tags/*} are shown. A push may update any branch
 * but {@code main}; each branch push opens or updates its change request, and the git client prints
 * the change request's number and check results ({@code remote: ...}). Received objects are fsck'd
 * ({@code ..} and {@code .git} path components, and names unsafe on Windows or macOS, are refused).
 */
public final class GitSmartHttp {

  public static final String UPLOAD_PACK = "git-upload-pack";
  public static final String RECEIVE_PACK = "git-receive-pack";

  /** Largest single object a push may carry: {@value} bytes; checks refuse files over 1 MiB anyway. */
  public static final long MAX_OBJECT_BYTES = 16L << 20;

  /** The most of an over-limit body read and discarded before answering, so the client reads the answer. */
  private static final long DRAIN_BYTES = 256L << 20;

  /** The setting that limits a git request body: {@value}. */
  public static final String MAX_PUSH_SETTING = "git.max_push_bytes";

  /**
   * Default of {@value #MAX_PUSH_SETTING}: {@value} bytes (32 MiB), far above what a governance
   * repository of YAML and Rego files sends.
   */
  public static final long DEFAULT_MAX_PUSH_BYTES = 32L << 20;

  private static final Logger LOG = LoggerFactory.getLogger(GitSmartHttp.class);

  /** Branches and tags only: Warden's own refs (change pins) stay internal. */
  private static final RefFilter PUBLIC_REFS = refs -> {
    Map<String, Ref> out = new LinkedHashMap<>();
    refs.forEach((name, ref) -> {
      if (name.equals(Constants.HEAD) || name.startsWith(Constants.R_HEADS) || name.startsWith(Constants.R_TAGS)) {
        out.put(name, ref);
      }
    });
    return out;
  };

  private final WardenRepository repo;
  private final ChangeRequests changes;
  private final AuditLog audit;
  private final long maxPushBytes;

  private GitSmartHttp(WardenRepository repo, ChangeRequests changes, long maxPushBytes) {
    this.repo = repo;
    this.changes = changes;
    this.audit = repo.audit();
    this.maxPushBytes = maxPushBytes;
  }

  /** With the default limit {@link #DEFAULT_MAX_PUSH_BYTES}. */
  public static GitSmartHttp create(WardenRepository repo, ChangeRequests changes) {
    return create(repo, changes, DEFAULT_MAX_PUSH_BYTES);
  }

  /**
   * @param maxPushBytes {@value #MAX_PUSH_SETTING}: the most bytes of a git request body (after
   *     gunzip) that are read; a larger one is refused and nothing of it is written
   */
  public static GitSmartHttp create(WardenRepository repo, ChangeRequests changes, long maxPushBytes) {
    if (maxPushBytes < 1) {
      throw new IllegalArgumentException(MAX_PUSH_SETTING + " must be at least 1 byte, was " + maxPushBytes);
    }
    return new GitSmartHttp(Objects.requireNonNull(repo, "repo"), Objects.requireNonNull(changes, "changes"),
        maxPushBytes);
  }

  /** The limit on a git request body, in bytes after gunzip ({@value #MAX_PUSH_SETTING}). */
  public long maxPushBytes() {
    return maxPushBytes;
  }

  /** {@code application/x-git-upload-pack-advertisement} and so on. */
  public static String advertisementContentType(String service) {
    return "application/x-" + known(service) + "-advertisement";
  }

  /** {@code application/x-git-upload-pack-result} and so on. */
  public static String resultContentType(String service) {
    return "application/x-" + known(service) + "-result";
  }

  /**
   * Answers {@code GET /info/refs?service=<service>}: the {@code # service=} pkt-line, a flush, then
   * the refs and capabilities.
   *
   * @throws WardenException {@code unauthorized} without a principal, {@code forbidden} for agents
   *     or too small a role, {@code invalid_input} for an unknown service
   */
  public void advertise(String service, Principal who, OutputStream out) throws IOException {
    UserPrincipal user = authorize(service, who);
    PacketLineOut pck = new PacketLineOut(out);
    pck.writeString("# service=" + service + "\n");
    pck.end();
    PacketLineOutRefAdvertiser advertiser = new PacketLineOutRefAdvertiser(pck);
    if (service.equals(UPLOAD_PACK)) {
      try (UploadPack up = uploadPack()) {
        up.sendAdvertisedRefs(advertiser);
      }
    } else {
      receivePack(user).sendAdvertisedRefs(advertiser);
    }
    out.flush();
  }

  /** Answers {@code POST /<service>} for an uncompressed body; see {@link #rpc(String, Principal, InputStream, String, OutputStream)}. */
  public void rpc(String service, Principal who, InputStream in, OutputStream out) throws IOException {
    rpc(service, who, in, null, out);
  }

  /**
   * Answers {@code POST /<service>}: reads the client's request from {@code in} as a stream (gunzipped
   * while read when {@code contentEncoding} is {@code gzip}), writes the result to {@code out}. At
   * most {@link #maxPushBytes()} bytes of the body are read:
   * <ul>
   *   <li>a push over the limit whose commands were read gets git's own refusal in {@code out}
   *       ({@code unpack error git request refused: its body is over the limit ... git.max_push_bytes}),
   *       which the git client prints; nothing is written to the repository, and this returns
   *       normally so the caller sends it (HTTP 200, as git expects). What an uncompressed push still
   *       sends is read and discarded first (up to 256 MiB), or git would see a reset, not the refusal;
   *   <li>any other body over the limit (a fetch, a push cut off in its commands) throws
   *       {@code too_large} naming the limit and {@value #MAX_PUSH_SETTING} (HTTP 413).
   * </ul>
   * A push git refuses for another reason (an object over {@link #MAX_OBJECT_BYTES} or the limit,
   * which the refusal names, or a corrupt pack) also returns normally with git's refusal in
   * {@code out}.
   *
   * @throws WardenException {@code unauthorized}, {@code forbidden}, {@code invalid_input} (unknown
   *     service or content encoding), {@code too_large}
   */
  public void rpc(String service, Principal who, InputStream in, String contentEncoding, OutputStream out)
      throws IOException {
    UserPrincipal user = authorize(service, who);
    BoundedBody body;
    try {
      body = BoundedBody.of(in, contentEncoding, maxPushBytes, MAX_PUSH_SETTING);
    } catch (IllegalArgumentException e) {
      throw WardenException.invalid(e.getMessage());
    }
    CountingOutputStream counted = new CountingOutputStream(out);
    try {
      if (service.equals(UPLOAD_PACK)) {
        try (UploadPack up = uploadPack()) {
          up.upload(body, counted, null);
        }
      } else {
        receivePack(user).receive(body, counted, null);
      }
    } catch (IOException | RuntimeException e) {
      // ReceivePack writes git's refusal (unpack error, each ref rejected) to out before it throws.
      boolean reported = e instanceof UnpackException && counted.count() > 0;
      if (body.exceeded() && !service.equals(UPLOAD_PACK) && !"gzip".equalsIgnoreCase(contentEncoding)) {
        drain(in); // a push's pack as git streams it; never a fetch or a gzip body (a bomb stays unread)
      }
      if (body.exceeded() || reported) {
        String reason = body.exceeded() ? "body over " + MAX_PUSH_SETTING
            : String.valueOf(explained(e.getCause() == null ? e : e.getCause()).getMessage());
        audit.append(user.subject(), service.equals(UPLOAD_PACK) ? "git.fetch.refused" : "git.push.refused", "repo",
            Map.of("reason", reason, "limit", maxPushBytes));
      }
      if (!reported) {
        if (body.exceeded()) {
          throw new WardenException("too_large", BoundedBody.refusal(maxPushBytes, MAX_PUSH_SETTING));
        }
        Throwable clientError = clientError(e);
        if (clientError != null) {
          throw WardenException.invalid("not a valid git " + service + " request: " + clientError.getMessage());
        }
        throw e;
      }
      LOG.info("push by {} refused while unpacking: {}", user.name(),
          explained(e.getCause() == null ? e : e.getCause()).getMessage());
    }
    out.flush();
  }

  /**
   * Reads and discards what a client over the limit is still sending (at most {@link #DRAIN_BYTES}):
   * a server that answers and closes while the client still sends makes the client's socket reset, and
   * git then prints "Connection reset by peer" instead of the refusal that names the setting.
   */
  private static void drain(InputStream in) {
    byte[] buffer = new byte[64 << 10];
    long left = DRAIN_BYTES;
    try {
      for (int n; left > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, left))) >= 0; ) {
        left -= n;
      }
    } catch (IOException e) {
      // The client went away: nothing left to answer.
    }
  }

  /** JGit's own size refusals, reworded to name the limit and {@value #MAX_PUSH_SETTING}. */
  private Throwable explained(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof TooLargeObjectInPackException) {
        long limit = Math.min(MAX_OBJECT_BYTES, maxPushBytes);
        return new IOException("git request refused: it carries a file (object) over the limit of " + limit
            + " bytes for one object, the smaller of " + MAX_OBJECT_BYTES + " and " + MAX_PUSH_SETTING
            + "; nothing was written. Files in the Warden repository are at most 1 MiB", t);
      }
      if (t instanceof TooLargePackException) {
        return new IOException(BoundedBody.refusal(maxPushBytes, MAX_PUSH_SETTING), t);
      }
    }
    return error;
  }

  /** The protocol error in {@code e}'s causes when the client sent something that is not git, else null. */
  private static Throwable clientError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof PackProtocolException
          || (t instanceof IOException && String.valueOf(t.getMessage()).startsWith("Invalid packet line header"))) {
        return t;
      }
    }
    return null;
  }

  private UploadPack uploadPack() {
    UploadPack up = new UploadPack(repo.jgit());
    up.setBiDirectionalPipe(false);
    up.setRefFilter(PUBLIC_REFS);
    return up;
  }

  private ReceivePack receivePack(UserPrincipal user) {
    ReceivePack rp = new ReceivePack(repo.jgit());
    rp.setBiDirectionalPipe(false);
    rp.setRefFilter(PUBLIC_REFS);
    rp.setRefLogIdent(WardenRepository.ident(user.name()));
    rp.setObjectChecker(new ObjectChecker().setSafeForWindows(true).setSafeForMacOS(true));
    rp.setCheckReferencedObjectsAreReachable(true);
    rp.setAllowNonFastForwards(true);
    rp.setAtomic(false);
    rp.setMaxObjectSizeLimit(Math.min(MAX_OBJECT_BYTES, maxPushBytes));
    // The pack is part of the body, which BoundedBody cuts off at maxPushBytes with a message that
    // names the setting; JGit's own pack limit is only a backstop.
    rp.setMaxPackSizeLimit(maxPushBytes + 1);
    // git prints the unpack error's message: make JGit's size refusals name the setting.
    UnpackErrorHandler reportToClient = rp.getUnpackErrorHandler();
    rp.setUnpackErrorHandler(error -> reportToClient.handleUnpackException(explained(error)));
    PushHooks hooks = new PushHooks(user);
    rp.setPreReceiveHook(hooks);
    rp.setPostReceiveHook(hooks);
    return rp;
  }

  /**
   * Checks that {@code who} may use {@code service}, without touching the repository. HTTP adapters
   * call it before sending response headers, so a refusal can still become a 401/403.
   *
   * @throws WardenException {@code unauthorized}, {@code forbidden} or {@code invalid_input}
   */
  public UserPrincipal authorize(String service, Principal who) {
    known(service);
    if (who == null) {
      throw new WardenException("unauthorized", "git needs a token: use any user name and your token as the password");
    }
    if (who instanceof AgentPrincipal agent) {
      throw WardenException.forbidden("agent '" + agent.name()
          + "' cannot use the git endpoint: agents never change their own governance; use a user token");
    }
    UserPrincipal user = (UserPrincipal) who;
    Role needed = service.equals(UPLOAD_PACK) ? Role.VIEWER : Role.AUTHOR;
    if (!user.has(needed)) {
      throw WardenException.forbidden((service.equals(UPLOAD_PACK) ? "fetching" : "pushing") + " needs role "
          + needed.wireName() + " or higher; user '" + user.name() + "' has role " + user.role().wireName());
    }
    return user;
  }

  private static String known(String service) {
    if (!UPLOAD_PACK.equals(service) && !RECEIVE_PACK.equals(service)) {
      throw WardenException.invalid("unknown git service '" + service + "': expected " + UPLOAD_PACK + " or " + RECEIVE_PACK);
    }
    return service;
  }

  /** Refuses what may not be pushed, per command; opens or updates change requests after the push. */
  private final class PushHooks implements PreReceiveHook, PostReceiveHook {
    private final UserPrincipal pusher;

    PushHooks(UserPrincipal pusher) {
      this.pusher = pusher;
    }

    @Override
    public void onPreReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
      for (ReceiveCommand cmd : commands) {
        if (cmd.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED) {
          continue;
        }
        refusal(cmd).ifPresent(reason -> {
          String shortReason = reason.equals(Messages.MAIN_PROTECTED) ? Messages.MAIN_PROTECTED_SHORT : reason;
          cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, shortReason);
          rp.sendMessage(reason);
          audit.append(pusher.subject(), "git.push.refused", "ref/" + cmd.getRefName(),
              Map.of("reason", reason, "new", cmd.getNewId().name()));
        });
      }
    }

    private Optional<String> refusal(ReceiveCommand cmd) {
      String ref = cmd.getRefName();
      if (ref.equals(WardenRepository.MAIN_REF)) {
        return Optional.of(cmd.getType() == ReceiveCommand.Type.DELETE ? Messages.MAIN_DELETE : Messages.MAIN_PROTECTED);
      }
      if (!ref.startsWith(Constants.R_HEADS)) {
        return Optional.of(Messages.notABranch(ref));
      }
      String branch = ref.substring(Constants.R_HEADS.length());
      if (branch.equals(Constants.HEAD)) {
        return Optional.of(Messages.HEAD_BRANCH);
      }
      if (branch.startsWith(ChangeRequests.API_BRANCH_PREFIX) && changes.openFor(branch).isEmpty()) {
        return Optional.of(Messages.reservedBranch(branch));
      }
      if (cmd.getType() != ReceiveCommand.Type.DELETE) {
        List<String> special = repo.specialEntries(cmd.getNewId());
        if (!special.isEmpty()) {
          return Optional.of(Messages.specialEntries(special));
        }
      }
      return Optional.empty();
    }

    @Override
    public void onPostReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
      for (ReceiveCommand cmd : commands) {
        String branch = cmd.getRefName().substring(Constants.R_HEADS.length());
        audit.append(pusher.subject(), "git.push", "ref/" + cmd.getRefName(),
            Map.of("old", cmd.getOldId().name(), "new", cmd.getNewId().name(), "type", Messages.lower(cmd.getType())));
        try {
          if (cmd.getType() == ReceiveCommand.Type.DELETE) {
            changes.onBranchDeleted(pusher, branch)
                .ifPresent(cr -> rp.sendMessage("change request #" + cr.id() + " closed: its branch was deleted"));
            continue;
          }
          int approvalsBefore = changes.openFor(branch).map(cr -> cr.approvals().size()).orElse(0);
          boolean existed = changes.openFor(branch).isPresent();
          Optional<ChangeRequest> cr = changes.onBranchPushed(pusher, branch, cmd.getNewId());
          if (cr.isEmpty()) {
            rp.sendMessage("branch " + branch + " holds nothing that is not on main: no change request");
            continue;
          }
          ChangeRequest c = cr.get();
          int dropped = existed && c.approvals().isEmpty() ? approvalsBefore : 0;
          for (String line : Messages.pushReport(c.id(), branch, c.apiPath(), !existed, dropped, c.checks(),
              c.headCommit(), c.checkedAgainst(), c.blockers())) {
            rp.sendMessage(line);
          }
        } catch (RuntimeException e) {
          LOG.warn("push to {} by {} landed but its change request could not be updated", cmd.getRefName(),
              pusher.name(), e);
          rp.sendMessage("branch " + branch + " was pushed, but its change request could not be updated: "
              + e.getMessage() + "; warden repairs it at the next start, or push again");
        }
      }
    }
  }

  /** Counts what JGit wrote, to tell a refusal it reported from one it never got to. */
  private static final class CountingOutputStream extends FilterOutputStream {
    private long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    long count() {
      return count;
    }
  }
}
