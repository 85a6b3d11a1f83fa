/**
 * Policy plane: the OPA client, policy sync from Git, admission checks, the decision cache and the
 * decision log. Filled by the policy issue.
 */
package io.warden.policy;
