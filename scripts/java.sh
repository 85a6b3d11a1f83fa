#!/usr/bin/env bash
# Picks a JDK 21 or newer and exports JAVA_HOME / PATH for it. Sourced by ./warden and the install scripts.
# Order: $JAVA_HOME if it is 21+, then the newest JDK under /usr/lib/jvm, then `java` on PATH.

warden_java_major() { # prints the feature version of the java binary given, or nothing
  # The JDK's release file says it without starting a JVM (each start costs the CLI 0.1-0.5 s).
  local release="$(dirname "$(dirname "$1")")/release" v
  if [ -f "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release" | head -n1)
    [ -n "$v" ] && { echo "$v"; return; }
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

warden_pick_jdk() {
  local cand best="" best_major=0 major
  local candidates=()
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for cand in /usr/lib/jvm/*/; do candidates+=("${cand%/}"); done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for cand in "${candidates[@]}"; do
    [ -x "$cand/bin/java" ] && [ -x "$cand/bin/javac" ] || continue
    major=$(warden_java_major "$cand/bin/java")
    [ -n "$major" ] || continue
    # An explicit JAVA_HOME that is new enough wins over anything newer found later.
    if [ "$cand" = "${JAVA_HOME:-}" ] && [ "$major" -ge 21 ]; then best="$cand"; best_major=$major; break; fi
    if [ "$major" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$cand"; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    echo "warden: no JDK 21 or newer found (looked at \$JAVA_HOME, /usr/lib/jvm/*, and java on PATH)." >&2
    echo "warden: install one, e.g. 'apt-get install -y openjdk-21-jdk' or a Temurin 21+ JDK, then re-run." >&2
    return 1
  fi
  export JAVA_HOME="$best"
  export PATH="$JAVA_HOME/bin:$PATH"
}
