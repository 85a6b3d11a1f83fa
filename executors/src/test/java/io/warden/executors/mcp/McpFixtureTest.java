package io.warden.executors.mcp;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the MCP gateway tests share: a fresh {@link McpFixture} in a temp directory for each test,
 * closed after it. A subclass's own {@code @BeforeEach} runs after the fixture is up.
 */
abstract class McpFixtureTest {
  @TempDir Path dir;
  McpFixture f;

  @BeforeEach
  void startFixture() throws Exception {
    f = new McpFixture(dir);
  }

  @AfterEach
  void closeFixture() throws Exception {
    f.close();
  }
}
