import '@vaadin/vertical-layout/src/vaadin-vertical-layout.js';
import '@vaadin/app-layout/src/vaadin-app-layout.js';
import '@vaadin/button/src/vaadin-button.js';
import '@vaadin/tooltip/src/vaadin-tooltip.js';
import 'Frontend/generated/jar-resources/disableOnClickFunctions.js';
import '@vaadin/horizontal-layout/src/vaadin-horizontal-layout.js';
import '@vaadin/app-layout/src/vaadin-drawer-toggle.js';
import '@vaadin/side-nav/src/vaadin-side-nav.js';
import '@vaadin/side-nav/src/vaadin-side-nav-item.js';
import '@vaadin/grid/src/vaadin-grid.js';
import '@vaadin/grid/src/vaadin-grid-column.js';
import '@vaadin/grid/src/vaadin-grid-sorter.js';
import '@vaadin/checkbox/src/vaadin-checkbox.js';
import 'Frontend/generated/jar-resources/flow-component-renderer.js';
import 'Frontend/generated/jar-resources/flow-component-directive.js';
import 'Frontend/generated/jar-resources/gridConnector.ts';
import 'Frontend/generated/jar-resources/vaadin-grid-flow-selection-column.js';
import '@vaadin/grid/src/vaadin-grid-column-group.js';
import 'Frontend/generated/jar-resources/lit-renderer.ts';
import '@vaadin/context-menu/src/vaadin-context-menu.js';
import 'Frontend/generated/jar-resources/contextMenuConnector.js';
import 'Frontend/generated/jar-resources/contextMenuTargetConnector.js';
import '@vaadin/notification/src/vaadin-notification.js';
import '@vaadin/dialog/src/vaadin-dialog.js';
import '@vaadin/text-field/src/vaadin-text-field.js';
import '@vaadin/select/src/vaadin-select.js';
import 'Frontend/generated/jar-resources/selectConnector.js';
import '@vaadin/password-field/src/vaadin-password-field.js';
import '@vaadin/common-frontend/ConnectionIndicator.js';
import 'Frontend/generated/jar-resources/ReactRouterOutletElement.tsx';

const loadOnDemand = (key) => {
  const pending = [];
  if (key === '966fea2d20db067136dcf9d2d5b6e0097e9a8090a0646fe42ef3840a273f54bc') {
    pending.push(import('./chunks/chunk-f67dd7bd45367ba3a0f49843d07a150f8889cf9b6b3a0a88778fc8600a2c5fc4.js'));
  }
  if (key === '2a2cd8d29e71215e0cf2c67583ca2d13887ade3a1a8ace87e509842f578a7d2a') {
    pending.push(import('./chunks/chunk-f67dd7bd45367ba3a0f49843d07a150f8889cf9b6b3a0a88778fc8600a2c5fc4.js'));
  }
  if (key === '8e892b4ddfd2a94ee61dedbce8ab1aca0bb327aaee5180d9f45bbc6aea3b79ed') {
    pending.push(import('./chunks/chunk-5a40a5c8e34e17e993d082d70df8897aa5e5cd9c1f576f021dc49d1e0eca2257.js'));
  }
  if (key === 'afbbbca8fa3a87b51cc894c06641a78d4cd18b7ffd7a2b29b72a6cbb9ab37f27') {
    pending.push(import('./chunks/chunk-182027a2d3a9b3f35a7280ed49ad87017e1a04106a85b8f7108a758cb0220add.js'));
  }
  if (key === '0b2f063f7acc32f68f42434d5e60e5090fcd59266710a4153f9695f19dbfa8d8') {
    pending.push(import('./chunks/chunk-f67dd7bd45367ba3a0f49843d07a150f8889cf9b6b3a0a88778fc8600a2c5fc4.js'));
  }
  if (key === 'd1f319caa2b32f7629d298dcc470aa722005a88e23329141c375dd2e94084511') {
    pending.push(import('./chunks/chunk-168d091b666fc23828b03664ee45037e1a029d3ef5496e90b95ae9e334ede208.js'));
  }
  if (key === '80fa77df87a7d936275a94f5e294a39d55949a2737d84c717a6773c8bfea5e61') {
    pending.push(import('./chunks/chunk-5a40a5c8e34e17e993d082d70df8897aa5e5cd9c1f576f021dc49d1e0eca2257.js'));
  }
  if (key === 'd8b75a86e4e10d57d70fc221470314a606cd005732db5c9012f91ec5127d5424') {
    pending.push(import('./chunks/chunk-5a40a5c8e34e17e993d082d70df8897aa5e5cd9c1f576f021dc49d1e0eca2257.js'));
  }
  if (key === 'bfcd7d45880272983dbf0e7248da22066e58547d3bc723edae1e1e1d12bbbf4b') {
    pending.push(import('./chunks/chunk-5a40a5c8e34e17e993d082d70df8897aa5e5cd9c1f576f021dc49d1e0eca2257.js'));
  }
  if (key === '425d3127d465d5bad9d08cb2e3a271d5f66835e438c66e0ee5e1286ba85ff668') {
    pending.push(import('./chunks/chunk-82fa888518edd7bbcadf0eac0f7d7ef4f226c016b89c3368bc3f990571092204.js'));
  }
  return Promise.all(pending);
}

window.Vaadin = window.Vaadin || {};
window.Vaadin.Flow = window.Vaadin.Flow || {};
window.Vaadin.Flow.loadOnDemand = loadOnDemand;
window.Vaadin.Flow.resetFocus = () => {
 let ae=document.activeElement;
 while(ae&&ae.shadowRoot) ae = ae.shadowRoot.activeElement;
 return !ae || ae.blur() || ae.focus() || true;
}