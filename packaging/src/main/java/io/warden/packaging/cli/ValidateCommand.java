package io.warden.packaging.cli;

import io.warden.core.Problem;
import io.warden.core.descriptor.DescriptorParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code warden validate <file|dir>...}: offline descriptor validation, exit 1 on any problem. */
@Command(name = "validate", description = "Validate agent descriptors offline (files, or directories of *.yaml).")
public final class ValidateCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "PATH", description = "descriptor files or directories")
  List<Path> paths;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    DescriptorParser parser = DescriptorParser.create();
    List<Path> files = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(f -> Files.isRegularFile(f) && (f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")))
              .sorted().forEach(files::add);
        }
      } else if (Files.isRegularFile(p)) {
        files.add(p);
      } else {
        err.println(p + ": no such file or directory");
        return 1;
      }
    }
    int bad = 0;
    for (Path f : files) {
      long size = Files.size(f);
      List<Problem> problems;
      if (size > DescriptorParser.MAX_FILE_BYTES) {
        problems = List.of(Problem.ofFile(f.toString(),
            "file is " + size + " bytes; descriptors are limited to " + DescriptorParser.MAX_FILE_BYTES + " bytes"));
      } else {
        problems = parser.parse(f.toString(), Files.readAllBytes(f)).problems();
      }
      if (problems.isEmpty()) {
        out.println(f + ": ok");
      } else {
        bad++;
        problems.forEach(err::println);
      }
    }
    if (files.isEmpty()) {
      err.println("no descriptor files found under " + paths);
      return 1;
    }
    out.println(files.size() + " file(s) checked, " + bad + " with problems");
    return bad == 0 ? 0 : 1;
  }
}
