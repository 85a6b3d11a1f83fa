package io.warden.ui.internal;

import io.warden.core.approval.Approval;
import io.warden.core.approval.ApprovalService;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells open pages of every new and every decided approval, so the queue updates by server push.
 * Registered once on the {@link ApprovalService} (which has no way to unregister); pages subscribe
 * while attached. Subscribers must return at once (they hand the work to their UI). Internal.
 */
public final class ApprovalFeed {
  private static final Logger log = LoggerFactory.getLogger(ApprovalFeed.class);
  private final Set<Consumer<Approval>> subscribers = new CopyOnWriteArraySet<>();

  private ApprovalFeed() {}

  public static ApprovalFeed on(ApprovalService approvals) {
    ApprovalFeed feed = new ApprovalFeed();
    approvals.addHoldListener(feed::publish);
    approvals.addListener(feed::publish);
    return feed;
  }

  /** Subscribes; the returned handle unsubscribes. */
  public Runnable subscribe(Consumer<Approval> subscriber) {
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }

  void publish(Approval approval) {
    for (Consumer<Approval> s : subscribers) {
      try {
        s.accept(approval);
      } catch (RuntimeException e) {
        log.debug("a console page could not take an approval update", e);
      }
    }
  }
}
