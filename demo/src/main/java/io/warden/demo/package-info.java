/**
 * {@code warden demo}'s traffic: {@link io.warden.demo.DemoTraffic} sets up a finance team through
 * Warden's governance path and drives agents through the model gateway, the MCP gateway and OTLP
 * ingest, as a client over the network only. The stand-ins it runs against are in {@code
 * io.warden.demo.standin}.
 */
@NullMarked
package io.warden.demo;

import org.jspecify.annotations.NullMarked;
