package io.warden.ui.internal;

import com.vaadin.flow.component.dependency.StyleSheet;
import com.vaadin.flow.component.page.AppShellConfigurator;
import com.vaadin.flow.component.page.Push;
import com.vaadin.flow.shared.communication.PushMode;
import com.vaadin.flow.shared.ui.Transport;
import com.vaadin.flow.theme.lumo.Lumo;

/**
 * The console's page shell: Lumo (served from its jar, no frontend build) and server push, so new
 * approvals appear without a reload. Long polling: plain HTTP, no WebSocket container needed.
 */
@Push(value = PushMode.AUTOMATIC, transport = Transport.LONG_POLLING)
@StyleSheet(Lumo.STYLESHEET)
@StyleSheet(Lumo.UTILITY_STYLESHEET)
public class ConsoleShell implements AppShellConfigurator {
  private static final long serialVersionUID = 1L;
}
